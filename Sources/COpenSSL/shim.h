/* OpenSSL's libcrypto (Debian: libssl-dev), for MD5 only: see Sources/ResNetIO/MD5.swift. */
#include <openssl/evp.h>
