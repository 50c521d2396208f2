/* A stand-in for Windows' bcryptprimitives.dll, for Wine 8 only.
 *
 * Rust's standard library draws random numbers (HashMap seeds) from
 * ProcessPrng in bcryptprimitives.dll, which Windows 10 and later ship and
 * Wine 8 lacks; without it no Rust test binary starts under Wine. This DLL
 * exports ProcessPrng on top of RtlGenRandom (advapi32's SystemFunction036),
 * which Wine has. scripts/windows_tests.sh builds it into the Wine prefix
 * used by the tests; it is never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
