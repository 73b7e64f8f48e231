# SPDX-License-Identifier: MIT
# td_folder_sources(SOURCES INCLUDES DIR...): a module's code in folders by
# responsibility. Appends every .c of CMAKE_CURRENT_SOURCE_DIR/DIR to the
# list SOURCES and each folder to the list INCLUDES (so a header is found
# by its name inside the module), in the caller's scope.
function(td_folder_sources sources includes)
	set(_src ${${sources}})
	set(_inc ${${includes}})
	foreach(dir ${ARGN})
		file(GLOB _c CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/*.c)
		list(APPEND _src ${_c})
		list(APPEND _inc ${CMAKE_CURRENT_SOURCE_DIR}/${dir})
	endforeach()
	set(${sources} ${_src} PARENT_SCOPE)
	set(${includes} ${_inc} PARENT_SCOPE)
endfunction()
