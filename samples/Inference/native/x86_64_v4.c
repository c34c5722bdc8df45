/*
 * One artefact for AVX2 and AVX-512 machines (linked into the x86-64-v3 NativeAOT executable only).
 *
 * NativeAOT compiles for one instruction set and cannot put AVX-512 code behind a run-time check
 * (dotnet/runtime#68110), so the publish compiles the same program twice: the executable `Inference` for x86-64-v3
 * (AVX2) and the shared library `Inference-x86-64-v4.so` (AVX-512) beside it, whose one export,
 * `cnn_inference_main`, is the program's Main. This constructor runs before `main`, so before the executable's .NET
 * runtime starts: on a CPU and OS with AVX-512 it loads the library, runs the program there (the library starts its
 * own runtime) and exits with its exit code; the executable's runtime never starts. Same process, arguments,
 * environment, output and exit code; no second process start (execve of a twin executable cost about 2 ms here).
 * Without AVX-512, without the library, or with CNN_VECTOR_WIDTH set to anything but 512, it returns and the program
 * goes on as the AVX2 build.
 */
#include <cpuid.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TWIN_SUFFIX "-x86-64-v4.so"

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
    (void)envp;
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
    /* RTLD_LOCAL: the library's symbols stay its own (it exports only cnn_inference_main and the runtime's debug
       header, and binds its own references itself). */
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL)
        return; /* Missing or not loadable: carry on with AVX2. */
    int (*program_main)(int, char **) = (int (*)(int, char **))dlsym(library, "cnn_inference_main");
    if (program_main == NULL)
    {
        dlclose(library);
        return;
    }
    exit(program_main(argc, argv));
}
