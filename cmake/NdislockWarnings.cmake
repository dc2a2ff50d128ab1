# Warning flags shared by every target of the project.
set(NDISLOCK_WARNINGS -Wall -Wextra -Wshadow -Wstrict-aliasing -Wformat=2 -Wundef)
if(NDISLOCK_WERROR)
  list(APPEND NDISLOCK_WARNINGS -Werror)
endif()

# ndislock_warnings(target): apply the project's warnings to target.
function(ndislock_warnings target)
  target_compile_options(${target} PRIVATE ${NDISLOCK_WARNINGS})
endfunction()

# Sanitizer flavours: name -> compile/link flags.
set(NDISLOCK_SAN_asan -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
set(NDISLOCK_SAN_tsan -fsanitize=thread -fno-omit-frame-pointer)
