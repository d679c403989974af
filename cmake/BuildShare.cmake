# <build>/share/restora mirrors <prefix>/share/restora, so a binary run from the build tree finds
# its data the way an installed one does: <exe_dir>/../share/restora (bundled_data_dir()).
#   models/  copies of the committed weights and their manifest (re-copied when they change)
#   npm/     a link to the source tree's models/npm, where `npm ci` puts the published packages
set(RESTORA_BUILD_SHARE "${CMAKE_BINARY_DIR}/share/restora")

# The weight files models/weights/manifest.json lists, and the manifest (the DNI baseline in
# baselines/ is for benchmarks only). A new committed weight file is added here and in the manifest.
set(RESTORA_COMMITTED_WEIGHTS
  manifest.json
  denoise-tunable-v3.rsw
  denoise-tunable-v4.rsw
  erase-text-v3.rsw
  inpaint-ffc-v1.rsw
  shadow-fusion-v1.rsw
  sr-tunable-x4.rsw
)
set(copies "")
foreach(name IN LISTS RESTORA_COMMITTED_WEIGHTS)
  set(src "${PROJECT_SOURCE_DIR}/models/weights/${name}")
  set(dst "${RESTORA_BUILD_SHARE}/models/${name}")
  add_custom_command(OUTPUT "${dst}"
    COMMAND ${CMAKE_COMMAND} -E copy_if_different "${src}" "${dst}"
    DEPENDS "${src}"
    COMMENT "Copying ${name} to share/restora/models"
    VERBATIM)
  list(APPEND copies "${dst}")
endforeach()
add_custom_target(restora_build_share ALL DEPENDS ${copies})
# Every binary that looks for models links restora_core.
add_dependencies(restora_core restora_build_share)

file(MAKE_DIRECTORY "${RESTORA_BUILD_SHARE}")
file(CREATE_LINK "${PROJECT_SOURCE_DIR}/models/npm" "${RESTORA_BUILD_SHARE}/npm" SYMBOLIC)

# Test executables sit one folder deeper (tests/core/, tests/ui/) than the applications (app/):
# <build>/tests/share points at <build>/share so that ../share/restora holds for them too.
if(RESTORA_BUILD_TESTS)
  file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/tests")
  file(CREATE_LINK "${CMAKE_BINARY_DIR}/share" "${CMAKE_BINARY_DIR}/tests/share" SYMBOLIC)
endif()
