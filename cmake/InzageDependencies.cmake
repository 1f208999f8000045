# Every dependency comes from a Debian 12 package that scripts/bootstrap.sh installs. When one is
# missing, fail at configure time naming the package, not with a linker error later.

function(inzage_missing what package)
  message(FATAL_ERROR
    "inzage: ${what} not found. Install the Debian package '${package}' "
    "(./scripts/bootstrap.sh installs everything).")
endfunction()

macro(inzage_find_config name package)
  find_package(${name} CONFIG QUIET ${ARGN})
  if(NOT ${name}_FOUND)
    inzage_missing("${name}" "${package}")
  endif()
endmacro()

find_package(PkgConfig QUIET)
if(NOT PkgConfig_FOUND)
  inzage_missing("pkg-config" "pkg-config")
endif()

macro(inzage_find_pkg target module package)
  pkg_check_modules(${target} QUIET IMPORTED_TARGET ${module})
  if(NOT ${target}_FOUND)
    inzage_missing("${module} (pkg-config)" "${package}")
  endif()
endmacro()

find_package(Threads REQUIRED)
inzage_find_config(simdjson libsimdjson-dev)
inzage_find_config(yaml-cpp libyaml-cpp-dev)
inzage_find_config(RocksDB librocksdb-dev)
inzage_find_config(prometheus-cpp prometheus-cpp-dev)
inzage_find_config(fmt libfmt-dev)
inzage_find_config(date libhowardhinnant-date-dev)
inzage_find_pkg(RDKAFKA rdkafka librdkafka-dev)
inzage_find_pkg(LIBSYSTEMD libsystemd libsystemd-dev)
find_package(OpenSSL QUIET)
if(NOT OpenSSL_FOUND)
  inzage_missing("OpenSSL" "libssl-dev")
endif()
find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp)
if(NOT CLI11_INCLUDE_DIR)
  inzage_missing("CLI11" "libcli11-dev")
endif()
# Debian builds cpp-httplib as a shared library with OpenSSL (TLS), zlib and brotli; its .pc
# carries the matching CPPHTTPLIB_*_SUPPORT defines, which must agree with the library's.
inzage_find_pkg(HTTPLIB cpp-httplib libcpp-httplib-dev)
# Boost.Beast and asio (header-only) carry the HTTP API: see src/api/http_server.h.
find_package(Boost 1.74 QUIET)
if(NOT Boost_FOUND)
  inzage_missing("Boost (Beast, asio)" "libboost-dev")
endif()
if(INZAGE_JEMALLOC)
  inzage_find_pkg(JEMALLOC jemalloc libjemalloc-dev)
endif()

if(INZAGE_BUILD_TESTS OR INZAGE_FUZZ)
  inzage_find_config(GTest libgtest-dev)
  find_path(VALIJSON_INCLUDE_DIR valijson/validator.hpp)
  if(NOT VALIJSON_INCLUDE_DIR)
    inzage_missing("valijson" "libvalijson-dev")
  endif()
  inzage_find_config(nlohmann_json nlohmann-json3-dev)
endif()
if(INZAGE_BUILD_BENCH)
  inzage_find_config(benchmark libbenchmark-dev)
endif()
