# One warning policy for the whole project: restora_warnings carries the flags, and
# restora_link_warnings() links it into every library and executable defined below a directory,
# so a target added later (a tool, a test) cannot miss it.
add_library(restora_warnings INTERFACE)
target_compile_options(restora_warnings INTERFACE -Wall -Wextra -Wpedantic)

function(restora_link_warnings dir)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY|EXECUTABLE)$")
      target_link_libraries(${target} PRIVATE restora_warnings)
    endif()
  endforeach()
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    restora_link_warnings("${sub}")
  endforeach()
endfunction()
