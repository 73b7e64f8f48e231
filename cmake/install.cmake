# SPDX-License-Identifier: MIT
# `cmake --install`: tandemd and tandem, libtandem (static and shared) with
# its public headers and tandem.pc, the migrations, the man pages, the
# systemd unit and a first /etc/tandem/tandemd.conf. Files that name the
# prefix (tandem.pc, the unit) are written at install time, so
# `cmake --install build --prefix DIR` gives a tree that is right for DIR.
include(GNUInstallDirs)

# ---- libtandem as installed: the client library with the generated
# protobuf-c code it speaks and the shared input rules (common/), static
# and shared, built into dist/ (the build's own libtandem.a stays as it
# is) ----
set_target_properties(td_proto td_common tandem PROPERTIES
                      POSITION_INDEPENDENT_CODE ON)
foreach(kind STATIC SHARED)
	string(TOLOWER ${kind} k)
	add_library(tandem_${k} ${kind} $<TARGET_OBJECTS:tandem>
	            $<TARGET_OBJECTS:td_proto> $<TARGET_OBJECTS:td_common>)
	set_target_properties(tandem_${k} PROPERTIES OUTPUT_NAME tandem
		ARCHIVE_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/dist
		LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/dist)
	target_link_libraries(tandem_${k} PRIVATE PkgConfig::PROTOBUFC
	                      nng::nng Threads::Threads)
endforeach()
set_target_properties(tandem_shared PROPERTIES VERSION ${PROJECT_VERSION}
                      SOVERSION 0)
# Only the public API is exported (client/lib/tandem.map): the shared
# input rules (common_*) and the library's inner calls stay private.
set(TD_TANDEM_MAP ${PROJECT_SOURCE_DIR}/client/lib/tandem.map)
target_link_options(tandem_shared PRIVATE
                    -Wl,--version-script=${TD_TANDEM_MAP})
set_property(TARGET tandem_shared APPEND PROPERTY LINK_DEPENDS
             ${TD_TANDEM_MAP})

install(TARGETS tandemd tandem_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS tandem_static tandem_shared
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES include/tandem/tandem.h include/tandem/errors.h
              include/tandem/wire.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tandem)
install(DIRECTORY ${CMAKE_BINARY_DIR}/proto/tandem/v1/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tandem/v1
        FILES_MATCHING PATTERN "*.pb-c.h")
install(DIRECTORY sql/ DESTINATION ${CMAKE_INSTALL_DATADIR}/tandem/migrations
        FILES_MATCHING PATTERN "*.sql")
install(FILES dist/tandemd.conf
        DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME tandemd.conf.example)

# ---- man pages, from scdoc ----
find_program(SCDOC scdoc)
if(SCDOC)
	set(_man)
	foreach(page tandemd.8 tandem.1)
		set(out ${CMAKE_BINARY_DIR}/man/${page})
		add_custom_command(OUTPUT ${out}
			COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
			COMMAND ${SCDOC} < ${PROJECT_SOURCE_DIR}/dist/man/${page}.scd > ${out}
			DEPENDS ${PROJECT_SOURCE_DIR}/dist/man/${page}.scd
			COMMENT "scdoc ${page}")
		list(APPEND _man ${out})
		string(REGEX REPLACE ".*\\." "" sec ${page})
		install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${sec})
	endforeach()
	add_custom_target(td_man ALL DEPENDS ${_man})
else()
	message(WARNING "scdoc not found: no man pages (apt-get install scdoc)")
endif()

# ---- written at install time, for the prefix actually used ----
install(CODE "
	set(_prefix \"\${CMAKE_INSTALL_PREFIX}\")
	if(_prefix STREQUAL \"/usr\")
		set(_etc /etc)
	else()
		set(_etc \"\${_prefix}/${CMAKE_INSTALL_SYSCONFDIR}\")
	endif()
	set(PC_PREFIX \"\${_prefix}\")
	set(PC_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
	set(PC_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")
	set(PC_VERSION \"${PROJECT_VERSION}\")
	set(BINDIR \"\${_prefix}/${CMAKE_INSTALL_BINDIR}\")
	set(SYSCONFDIR \"\${_etc}\")
	configure_file(\"${PROJECT_SOURCE_DIR}/dist/tandem.pc.in\"
		\"${CMAKE_BINARY_DIR}/install/tandem.pc\" @ONLY)
	configure_file(\"${PROJECT_SOURCE_DIR}/dist/systemd/tandemd.service.in\"
		\"${CMAKE_BINARY_DIR}/install/tandemd.service\" @ONLY)
	file(INSTALL \"${CMAKE_BINARY_DIR}/install/tandem.pc\"
		DESTINATION \"\${_prefix}/${CMAKE_INSTALL_LIBDIR}/pkgconfig\")
	file(INSTALL \"${CMAKE_BINARY_DIR}/install/tandemd.service\"
		DESTINATION \"\${_prefix}/lib/systemd/system\")
	# The operator's configuration is never overwritten.
	if(EXISTS \"\$ENV{DESTDIR}\${_etc}/tandem/tandemd.conf\")
		message(STATUS \"Keeping: \$ENV{DESTDIR}\${_etc}/tandem/tandemd.conf\")
	else()
		file(INSTALL \"${PROJECT_SOURCE_DIR}/dist/tandemd.conf\"
			DESTINATION \"\${_etc}/tandem\"
			PERMISSIONS OWNER_READ OWNER_WRITE)
	endif()
")
