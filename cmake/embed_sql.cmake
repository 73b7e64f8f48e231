# Generates a C file holding every sql/NNN_name.sql migration as a string,
# in version order, so tandemd carries its schema with it.
# Inputs: SQL_DIR, OUT.
cmake_policy(SET CMP0057 NEW)
file(GLOB files "${SQL_DIR}/[0-9][0-9][0-9]_*.sql")
list(SORT files)
set(body "/* Generated from sql/ by cmake/embed_sql.cmake. Do not edit. */\n#include \"store.h\"\n\nconst store_migration store_migrations[] = {\n")
set(count 0)
set(seen)
foreach(f ${files})
	get_filename_component(name "${f}" NAME_WE)
	string(SUBSTRING "${name}" 0 3 ver)
	math(EXPR ver "1${ver} - 1000")
	# Two files with one number would apply only the first: refuse them.
	if(ver IN_LIST seen)
		message(FATAL_ERROR "sql/: two migrations numbered ${ver}: ${f}")
	endif()
	list(APPEND seen ${ver})
	file(READ "${f}" hex HEX)
	string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" esc "${hex}")
	# Split the literal so no line is absurdly long.
	string(REGEX REPLACE "((\\\\x[0-9a-f][0-9a-f]){32})" "\\1\"\n\t\"" esc "${esc}")
	string(APPEND body "\t{ ${ver}, \"${name}\",\n\t\"${esc}\" },\n")
	math(EXPR count "${count} + 1")
endforeach()
string(APPEND body "};\nconst size_t store_n_migrations = ${count};\n")
file(WRITE "${OUT}.tmp" "${body}")
configure_file("${OUT}.tmp" "${OUT}" COPYONLY)
