/* Run-time choice of the ISA level: the best level this CPU supports among those compiled in,
   or a lower one named by the caller (the binding passes $IMFILT_CPU), chosen once at import. */
#include <stdint.h>
#include <string.h>
#include "imfilt.h"
#include "isa.h"
#include "portable.h"
#ifdef _OPENMP
#include <omp.h>
#endif

/* `index` is the position in imfilt_isa_pick's argument list. */
typedef struct { const char *name; int (*cpu_has)(void); int index; } level_entry;

static int always(void) { return 1; }
/* lowest to highest */
static const level_entry levels[] = {
    {"baseline", always, 0},
#ifdef IMFILT_HAVE_AVX2
    {"avx2", imfilt_cpu_has_avx2, 1},
#endif
#ifdef IMFILT_HAVE_AVX512
    {"avx512", imfilt_cpu_has_avx512, 2},
#endif
};
#define NLEVELS (sizeof levels / sizeof levels[0])

static const level_entry *active = &levels[0];
static char built_names[128], supported_names[128];

int imfilt_isa_level(void) { return active->index; }
const void *imfilt_isa_pick(const void *baseline, const void *avx2, const void *avx512) {
    const void *byindex[3] = {baseline, avx2, avx512};
    const void *t = byindex[active->index];
    return t ? t : baseline;
}
const char *imfilt_isa_name(void) { return active->name; }

static const char *join_levels(char *buf, size_t cap, int only_supported) {
    buf[0] = '\0';
    for (size_t i = 0; i < NLEVELS; i++) {
        if (only_supported && !levels[i].cpu_has()) continue;
        if (buf[0]) strncat(buf, ",", cap - strlen(buf) - 1);
        strncat(buf, levels[i].name, cap - strlen(buf) - 1);
    }
    return buf;
}
const char *imfilt_isa_built(void) { return join_levels(built_names, sizeof built_names, 0); }
const char *imfilt_isa_supported(void) { return join_levels(supported_names, sizeof supported_names, 1); }

int imfilt_isa_select(const char *request) {
    /* highest supported level not above the request ("" or NULL: no cap) */
    int cap = (int)NLEVELS - 1;
    if (request && request[0]) {
        cap = -1;
        for (size_t i = 0; i < NLEVELS; i++)
            if (strcmp(request, levels[i].name) == 0) cap = (int)i;
        if (cap < 0) {
            /* a level this build lacks (e.g. avx512 on another architecture) is an error too */
            return -1;
        }
    }
    for (int i = cap; i >= 0; i--) {
        if (levels[i].cpu_has()) {
            active = &levels[i];
            return 0;
        }
    }
    active = &levels[0];
    return 0;
}

const char *imfilt_compiler(void) {
#ifdef IMFILT_COMPILER
    return IMFILT_COMPILER;
#else
    return "unknown";
#endif
}
int imfilt_openmp_enabled(void) {
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}
int imfilt_max_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* Monotonic time of the latest imfilt_mark_call (0: none yet) */
static uint64_t last_call_ns;
/* The calling thread's next interrupt poll: IMFILT_POLL_NS after its call started. */
static IMFILT_THREAD_LOCAL uint64_t next_poll_ns;
static int (*interrupt_hook)(void);

uint64_t imfilt_mark_call(void) {
    const uint64_t now = imfilt_now_ns();
    next_poll_ns = now + IMFILT_POLL_NS;
    const uint64_t last = __atomic_exchange_n(&last_call_ns, now, __ATOMIC_RELAXED);
    return last == 0 || now < last ? UINT64_MAX : now - last;
}

void imfilt_set_interrupt_hook(int (*hook)(void)) { interrupt_hook = hook; }

int imfilt_poll_interrupt(void) {
    if (!interrupt_hook) return 0;
    const uint64_t now = imfilt_now_ns();
    if (now < next_poll_ns) return 0;
    next_poll_ns = now + IMFILT_POLL_NS;
    return interrupt_hook() != 0;
}
