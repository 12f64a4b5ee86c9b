# Writes a C++ source whose function returns a text file's contents, so the binary needs no data
# file beside it. Run at build time (cmake -P) with:
#   INPUT     the text file        OUTPUT    the .cpp to write
#   FUNCTION  the function's name in namespace atn (returns std::string_view)
#   HEADER    the header that declares it (included, so the signatures must agree)
file(READ "${INPUT}" text)
set(delimiter "atn_embed")
string(FIND "${text}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )${delimiter}\"")
endif()
file(WRITE "${OUTPUT}"
     "// Generated from ${INPUT} by cmake/embed_text.cmake; edit the input, not this file.\n"
     "#include \"${HEADER}\"\n\nnamespace atn {\n\n"
     "std::string_view ${FUNCTION}() {\n"
     "  static constexpr char text[] = R\"${delimiter}(${text})${delimiter}\";\n"
     "  return {text, sizeof text - 1};\n}\n\n}  // namespace atn\n")
