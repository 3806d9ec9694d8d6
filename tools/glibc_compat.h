/* Force-included (gcc -include) by tools/build_wheels.sh into every C file of a wheel build.
   glibc 2.27 and 2.29 gave these libm functions new symbol versions (new implementations
   without the SVID error wrappers; the old versions call the same code, so the results are
   the same). Binding the old versions keeps the wheel loadable on glibc 2.17 (manylinux2014)
   although it links against a newer glibc; a directive for a function a file does not call
   has no effect. auditwheel checks the result: a symbol missed here raises the tag and
   `auditwheel repair --plat manylinux_2_17_*` fails. */
#if defined(__x86_64__)
#define IMFILT_GLIBC_BASE "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define IMFILT_GLIBC_BASE "GLIBC_2.17"
#endif
#ifdef IMFILT_GLIBC_BASE
__asm__(".symver exp,exp@" IMFILT_GLIBC_BASE);
__asm__(".symver exp2,exp2@" IMFILT_GLIBC_BASE);
__asm__(".symver log,log@" IMFILT_GLIBC_BASE);
__asm__(".symver log2,log2@" IMFILT_GLIBC_BASE);
__asm__(".symver pow,pow@" IMFILT_GLIBC_BASE);
__asm__(".symver expf,expf@" IMFILT_GLIBC_BASE);
__asm__(".symver exp2f,exp2f@" IMFILT_GLIBC_BASE);
__asm__(".symver logf,logf@" IMFILT_GLIBC_BASE);
__asm__(".symver log2f,log2f@" IMFILT_GLIBC_BASE);
__asm__(".symver powf,powf@" IMFILT_GLIBC_BASE);
#endif
