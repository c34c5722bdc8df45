/*
 * One artefact for AVX2 and AVX-512 machines (linked into the x86-64-v3 NativeAOT executable only).
 *
 * NativeAOT compiles for one instruction set and cannot put AVX-512 code behind a run-time check
 * (dotnet/runtime#68110), so the publish makes two executables of the same program: `Inference` for x86-64-v3
 * (AVX2) and `Inference-x86-64-v4` (AVX-512) beside it. This constructor runs before `main`, so before the .NET
 * runtime starts: on a CPU and OS with AVX-512 it replaces the process with the twin (execv: same process id,
 * arguments, environment, output and exit code). Deciding here, not in C#, saves the start-up of a runtime that
 * would be thrown away (about 6 ms here). Without AVX-512, without the twin, or with CNN_VECTOR_WIDTH set to
 * anything but 512, it returns and the program goes on as the AVX2 build.
 */
#include <cpuid.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TWIN_SUFFIX "-x86-64-v4"

/* x86-64-v4: AVX-512 F, DQ, CD, BW and VL in CPUID.7.0:EBX, and the OS saving the opmask and 512-bit registers. */
static int cpu_and_os_have_avx512(void)
{
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE))
        return 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
        return 0;
    const unsigned int needed = bit_AVX512F | bit_AVX512DQ | bit_AVX512CD | bit_AVX512BW | bit_AVX512VL;
    if ((ebx & needed) != needed)
        return 0;
    unsigned int xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    /* XMM, YMM, opmask, upper halves of ZMM0-15, ZMM16-31: bits 1, 2, 5, 6, 7. */
    const unsigned int state = 1u << 1 | 1u << 2 | 1u << 5 | 1u << 6 | 1u << 7;
    return (xcr0_low & state) == state;
}

/* glibc calls the functions of .init_array with main's arguments. */
__attribute__((constructor)) static void cnn_hand_over_to_x86_64_v4(int argc, char **argv, char **envp)
{
    (void)argc;
    const char *width = getenv("CNN_VECTOR_WIDTH");
    if (width != NULL && width[0] != '\0' && strcmp(width, "512") != 0)
        return;
    if (!cpu_and_os_have_avx512())
        return;
    char path[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", path, sizeof path - sizeof TWIN_SUFFIX);
    if (length <= 0 || (size_t)length >= sizeof path - sizeof TWIN_SUFFIX)
        return;
    memcpy(path + length, TWIN_SUFFIX, sizeof TWIN_SUFFIX);
    if (access(path, X_OK) != 0)
        return;
    execve(path, argv, envp);
    /* Still here: execve failed. Carry on with AVX2. */
}
