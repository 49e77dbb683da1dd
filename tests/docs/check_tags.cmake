# Fails when a code block in docs/ or README.md is not checked: a cpp block without a tag
# (plugin=, host= or fragment), a misspelled or duplicate tag, an output
# block for no sample, or a sample plugin named like one of the tree's
# plugins (it would shadow it for the other samples).
#   cmake -DAWK=awk -DSOURCE_DIR=tree -DWORK_DIR=scratch -P check_tags.cmake

file(REMOVE_RECURSE ${WORK_DIR})
foreach(kind plugin host pipeline output)
  file(MAKE_DIRECTORY ${WORK_DIR}/${kind})
endforeach()
file(GLOB docs RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/docs/*.md)
list(APPEND docs README.md)
execute_process(COMMAND ${AWK} -v out=${WORK_DIR} -f ${CMAKE_CURRENT_LIST_DIR}/extract.awk ${docs}
                WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "extract.awk failed (${rc}): ${err}")
endif()
file(STRINGS ${WORK_DIR}/manifest manifest)
set(problems "")
foreach(entry IN LISTS manifest)
  if(entry MATCHES "^problem (.*)")
    string(APPEND problems "${CMAKE_MATCH_1}\n")
  elseif(entry MATCHES "^plugin ([a-z0-9_]+) (.*)")
    if(IS_DIRECTORY ${SOURCE_DIR}/plugins/${CMAKE_MATCH_1})
      string(APPEND problems "${CMAKE_MATCH_2}: plugin '${CMAKE_MATCH_1}' has the name of a plugin in plugins/\n")
    endif()
  endif()
endforeach()
if(problems)
  message(FATAL_ERROR "unchecked or mistagged samples in docs/ (see tests/docs/extract.awk):\n${problems}")
endif()
list(LENGTH manifest n)
message(STATUS "${n} tagged blocks in docs/, all checked")
