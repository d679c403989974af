# restora_add_gtest(TARGET PREFIX p [LABEL l] [ENVIRONMENT VAR=VALUE...] [TIMEOUT s])
# Registers every GoogleTest case of TARGET as its own ctest entry named <p><Suite>.<Case>.
#
# The cases are listed when ctest runs (PRE_TEST), so a build never runs a test binary.
# gtest_discover_tests() cannot pass a list-valued property (its values are flattened), so the
# environment goes through a script that ctest includes after the discovered tests; values may
# hold generator expressions ($<TARGET_FILE:...>).
include(GoogleTest)

function(restora_add_gtest target)
  cmake_parse_arguments(arg "" "PREFIX;LABEL;TIMEOUT" "ENVIRONMENT" ${ARGN})
  if(NOT arg_LABEL)
    set(arg_LABEL ${target})
  endif()
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 1500)  # ctest's default; the slow model cases take minutes on 2 cores
  endif()
  # Listing the cases loads libtorch (and the test's static objects): seconds on a busy machine.
  gtest_discover_tests(${target}
    TEST_PREFIX "${arg_PREFIX}"
    TEST_LIST ${target}_TESTS
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 300
    PROPERTIES LABELS "${arg_LABEL}" TIMEOUT ${arg_TIMEOUT})
  if(arg_ENVIRONMENT)
    set(script "${CMAKE_CURRENT_BINARY_DIR}/${target}_environment.cmake")
    file(GENERATE OUTPUT "${script}" CONTENT
      "if(${target}_TESTS)\n  set_tests_properties(\${${target}_TESTS} PROPERTIES ENVIRONMENT [==[${arg_ENVIRONMENT}]==])\nendif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${script}")
  endif()
endfunction()
