// The list of operations: each is defined in its own file under core/src/ops/ and added here, in
// the order the CLI and the GUI list them (docs/ARCHITECTURE.md, "Adding an operation").
#include "all_ops.h"

namespace restora {

std::unique_ptr<Operation> make_upscale();           // upscale.cpp
std::unique_ptr<Operation> make_clean_up();          // clean_up.cpp
std::unique_ptr<Operation> make_denoise();           // denoise.cpp
std::unique_ptr<Operation> make_inpaint();           // inpaint.cpp
std::unique_ptr<Operation> make_deblur();            // maxim.cpp
std::unique_ptr<Operation> make_derain();            // maxim.cpp
std::unique_ptr<Operation> make_dehaze();            // maxim.cpp
std::unique_ptr<Operation> make_enhance_lowlight();  // maxim.cpp
std::unique_ptr<Operation> make_retouch();           // maxim.cpp
std::unique_ptr<Operation> make_erase_text();        // erase_text.cpp
std::unique_ptr<Operation> make_remove_shadow();     // remove_shadow.cpp
std::unique_ptr<Operation> make_remove_damage();     // remove_damage.cpp

void register_all_operations(Registry& registry) {
    registry.add(make_upscale());
    registry.add(make_clean_up());
    registry.add(make_denoise());
    registry.add(make_inpaint());
    registry.add(make_deblur());
    registry.add(make_derain());
    registry.add(make_dehaze());
    registry.add(make_enhance_lowlight());
    registry.add(make_retouch());
    registry.add(make_erase_text());
    registry.add(make_remove_shadow());
    registry.add(make_remove_damage());
}

}  // namespace restora
