# cmake -DINPUT=FILE -DOUTPUT=HEADER -DNAME=kIdentifier -P embed_text.cmake
# Writes FILE's text into HEADER as `inline constexpr char kIdentifier[]`, a raw string literal, so that the
# binary serves the file without reading the disk.
file(READ "${INPUT}" text)
set(delimiter "embedded_text")
string(FIND "${text}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains )${delimiter}\", which would end the raw string early")
endif()
file(WRITE "${OUTPUT}" "// Generated at build time from ${INPUT}; edit that file instead.\n#pragma once\n\n"
  "inline constexpr char ${NAME}[] = R\"${delimiter}(${text})${delimiter}\";\n")
