/*
 * Stand-in for Windows' bcryptprimitives.dll under Wine 8 (Debian 12), which lacks it: Rust's
 * standard library (1.78 and later) imports ProcessPrng from it for HashMap seeds, so no Rust
 * program starts under that Wine. Only for running the test programs in CI; real Windows has
 * the DLL. Built and installed into the Wine prefix by .ci/cross.sh.
 */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x40000000u ? 0x40000000u : (ULONG)len;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
