# FERRY_BUILD_PYTHON: the Python package (python/), on by default when
# pybind11 and Python's headers are found (Debian 12: pybind11-dev,
# python3-dev; its tests need python3-pytest).
#
# Debian's own interpreter is preferred: python3-pytest and the
# dist-packages folder the package installs into are its, while a pyenv or
# virtualenv python3 earlier on PATH has neither. -DPython3_EXECUTABLE=...
# picks another.
if(NOT DEFINED Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python3_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "The Python the ferry package is built for")
endif()

# Sanitized and fuzzing builds leave it out: an instrumented module needs
# the sanitizer runtime preloaded into python3 itself.
set(ferry_python_default OFF)
if(NOT FERRY_SANITIZE AND NOT FERRY_TSAN AND NOT FERRY_FUZZ)
  find_package(Python3 COMPONENTS Interpreter Development.Module QUIET)
  if(Python3_FOUND)
    find_package(pybind11 2.10 CONFIG QUIET)
  endif()
  if(Python3_FOUND AND pybind11_FOUND)
    set(ferry_python_default ON)
  endif()
endif()
option(FERRY_BUILD_PYTHON "Build the Python package (python/): needs pybind11 and Python 3 headers" ${ferry_python_default})

if(FERRY_BUILD_PYTHON)
  find_package(Python3 COMPONENTS Interpreter Development.Module REQUIRED)
  find_package(pybind11 2.10 CONFIG REQUIRED)
  # Where `cmake --install` puts the package, relative to the prefix: the
  # folder Debian's python3 searches under /usr/local
  # (/usr/local/lib/python3.11/dist-packages for the default prefix).
  set(FERRY_PYTHON_INSTALL_DIR "lib/python${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}/dist-packages"
      CACHE STRING "Where the ferry Python package is installed, relative to the prefix")
  ferry_install_dir(ferry_libdir LIBDIR)
  file(RELATIVE_PATH FERRY_PYTHON_TO_LIBDIR /ferry-prefix/${FERRY_PYTHON_INSTALL_DIR}/ferry ${ferry_libdir})
endif()
