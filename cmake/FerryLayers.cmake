# Layers the build enforces: each folder of engine/src is reached as
# "<folder>/x.hpp" only through an include root of its own (a folder holding
# one link to it), so a file sees only the layers its target links.

# ferry_layer_root(FOLDER OUT): the include root holding only engine/src/FOLDER.
function(ferry_layer_root folder out)
  set(root ${PROJECT_BINARY_DIR}/layers/${folder})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/engine/src/${folder} ${root}/${folder} SYMBOLIC)
  set(${out} ${root} PARENT_SCOPE)
endfunction()

# ferry_layer(NAME FOLDER SOURCES...): a static library of engine/src/FOLDER,
# built for libferry (PIC, hidden visibility); who links it sees its headers.
function(ferry_layer name folder)
  add_library(${name} STATIC ${ARGN})
  ferry_layer_root(${folder} root)
  target_include_directories(${name} PUBLIC ${root})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  ferry_target_defaults(${name})
endfunction()
