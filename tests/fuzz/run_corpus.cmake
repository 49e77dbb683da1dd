# cmake -DFUZZER=... -DCORPUS=... -DWORK=... -DRUNS=N -P run_corpus.cmake
# Runs a fuzz target for RUNS inputs over a fresh copy of its committed corpus
# (libFuzzer adds what it finds to the folder it is given; the committed one
# is never touched). Fails on any crash, leak, sanitizer report or timeout.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/artifacts)
file(COPY ${CORPUS}/ DESTINATION ${WORK}/corpus)
execute_process(
  COMMAND ${FUZZER} -runs=${RUNS} -max_len=4096 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512
          -print_final_stats=1 -artifact_prefix=${WORK}/artifacts/ ${WORK}/corpus
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${rc}); the input that failed is in ${WORK}/artifacts")
endif()
