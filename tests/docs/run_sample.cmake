# Runs one sample of the docs and checks what it prints.
#   cmake -DPROGRAM=host [-DEXPECTED=file] -P run_sample.cmake
#   cmake -DPROGRAM=ferry -DPIPELINE=name.yaml [-DEXPECTED=file] -P run_sample.cmake
# A host must exit 0; a pipeline must pass `ferry validate`, then `ferry run`.
# With EXPECTED, stdout must equal that file (the docs' output block).

function(run what)
  execute_process(COMMAND ${ARGN} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 100)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n--- stdout\n${out}--- stderr\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

if(PIPELINE)
  run("ferry validate ${PIPELINE}" ${PROGRAM} validate ${PIPELINE})
  run("ferry run ${PIPELINE}" ${PROGRAM} run ${PIPELINE})
else()
  run(${PROGRAM} ${PROGRAM})
endif()

if(EXPECTED)
  file(READ ${EXPECTED} expected)
  if(NOT out STREQUAL expected)
    message(FATAL_ERROR "the output differs from the docs.\n--- the docs show\n${expected}--- it printed\n${out}")
  endif()
endif()
