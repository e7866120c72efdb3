// emu.cc: a CUDA runtime on the CPU for tests (tests/emu/cuda_runtime.h, emu.h).
//
// Devices, memory, streams and events as the CUDA runtime has them, with the errors it
// gives: per-thread last error, sticky errors per device, switches that fail cudaMalloc or
// a launch. A stream's work (copies, kernels, events) runs when it is synchronised (or the
// device is, by cudaFree or a call on the legacy stream), never before. A kernel runs
// block after block; a block runs its CUDA threads as fibers (ucontext) on the calling
// thread, switching at barriers, or, built with EMU_THREADS (for ThreadSanitizer), as one
// OS thread each with real barriers. Barriers are checked, and shared memory (the section
// emu_shared) is poisoned before each block.
#undef _FORTIFY_SOURCE /* its longjmp check takes a switch to another fiber's stack for a bug */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>

#include <map>
#include <vector>

#include "cuda_runtime.h"
#include "emu.h"
#include "emu_kernels.h"

namespace {

enum { MAX_DEVICES = 8, MAX_KERNELS = 64, MAX_THREADS = 1024, REPORTED_BARRIER_ERRORS = 10 };

/* ---- global state (one mutex) ---------------------------------------------------------- */

pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;

struct switches {
  bool read;
  int devices;
  size_t mem_bytes;
  long malloc_fail, malloc_fail_from, launch_fail, kernel_fault;
  long mallocs, launches; /* counted since the last reset */
};
switches sw;

struct allocation {
  size_t bytes;
  int dev; /* -1: page-locked host memory */
};
std::map<uintptr_t, allocation> *allocations;

size_t used[MAX_DEVICES];
cudaError_t sticky[MAX_DEVICES];
std::vector<cudaStream_t> *streams; /* every stream, for synchronising a device */
bt_emu_stats stats;

emu_kernel kernels[MAX_KERNELS];
int n_kernels;

thread_local int current_dev;
thread_local cudaError_t last_error;

long env_long(const char *name, long fallback) {
  const char *v = getenv(name);
  return v && *v ? atol(v) : fallback;
}

void read_switches_locked(void) {
  sw.read = true;
  sw.devices = (int)env_long("BATT_EMU_DEVICES", 1);
  if (sw.devices < 0) sw.devices = 0;
  if (sw.devices > MAX_DEVICES) sw.devices = MAX_DEVICES;
  const char *mib = getenv("BATT_EMU_MEM_MIB");
  sw.mem_bytes = (size_t)((mib && atof(mib) > 0 ? atof(mib) : 16384) * (1 << 20));
  sw.malloc_fail = env_long("BATT_EMU_MALLOC_FAIL", 0);
  sw.malloc_fail_from = env_long("BATT_EMU_MALLOC_FAIL_FROM", 0);
  sw.launch_fail = env_long("BATT_EMU_LAUNCH_FAIL", 0);
  sw.kernel_fault = env_long("BATT_EMU_KERNEL_FAULT", 0);
  sw.mallocs = sw.launches = 0;
  if (!allocations) allocations = new std::map<uintptr_t, allocation>;
  if (!streams) streams = new std::vector<cudaStream_t>;
}

void lock(void) {
  pthread_mutex_lock(&state_lock);
  if (!sw.read) read_switches_locked();
}
void unlock(void) { pthread_mutex_unlock(&state_lock); }

cudaError_t fail(cudaError_t e) {
  if (e != cudaSuccess) last_error = e;
  return e;
}

/* The sticky error of the current device, cudaSuccess if none. */
cudaError_t sticky_now(void) {
  lock();
  cudaError_t e = current_dev < sw.devices ? sticky[current_dev] : cudaSuccess;
  unlock();
  return e;
}

void make_sticky(int dev, cudaError_t e) {
  lock();
  if (sticky[dev] == cudaSuccess) sticky[dev] = e;
  stats.faults++;
  unlock();
}

/* The device allocation holding [p, p + bytes), or -1 (its device otherwise). */
int device_range(const void *p, size_t bytes) {
  uintptr_t a = (uintptr_t)p;
  lock();
  int dev = -1;
  auto it = allocations->upper_bound(a);
  if (it != allocations->begin()) {
    --it;
    if (it->second.dev >= 0 && a >= it->first && a + bytes <= it->first + it->second.bytes)
      dev = it->second.dev;
  }
  unlock();
  return dev;
}

/* ---- running a block ------------------------------------------------------------------- */

pthread_mutex_t block_lock = PTHREAD_MUTEX_INITIALIZER; /* the shared memory is one */

struct block_run {
  const emu_kernel *k;
  const void *args;
  dim3 grid, block;
  uint3 idx;
  int n;         /* threads */
  long barriers; /* released */
  long errors;   /* barrier errors */
  char first_error[256];
};

enum { BAR_SYNC, BAR_OR, BAR_AND, BAR_COUNT };

void barrier_error(block_run *b, const char *fmt, ...) {
  b->errors++;
  if (b->errors == 1) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->first_error, sizeof b->first_error, fmt, ap);
    va_end(ap);
  }
}

int reduce(int kind, int acc, int pred) {
  switch (kind) {
  case BAR_OR: return acc || pred;
  case BAR_AND: return acc && pred;
  case BAR_COUNT: return acc + (pred != 0);
  default: return 0;
  }
}

int reduce_start(int kind) { return kind == BAR_AND ? 1 : 0; }

extern "C" char __start_emu_shared[] __attribute__((weak));
extern "C" char __stop_emu_shared[] __attribute__((weak));

void poison_shared(void) {
  if (__start_emu_shared && __stop_emu_shared > __start_emu_shared)
    memset(__start_emu_shared, 0xA5, (size_t)(__stop_emu_shared - __start_emu_shared));
}

#ifndef EMU_THREADS

/* Fibers: each CUDA thread of a block runs on its own stack until it reaches a barrier or
 * returns, then hands over to the next one that is still running this round; the last
 * hands back to the block's loop, which checks and releases the barrier. A fiber runs
 * the kernel again for the next block: fibers are made once per OS thread. */
enum { F_RUN, F_BARRIER, F_EXITED };
/* Stacks in huge pages (a barrier visits 1024 of them: small pages would miss the TLB),
 * with a canary at the bottom of each, checked after every block, in place of guard
 * pages (which would split the huge pages). */
enum { STACK_BYTES = 64 << 10, STACK_SPREAD = 48 << 10, HUGE_PAGE = 2 << 20 };
const uint64_t CANARY = 0x5A17C0DE5A17C0DEull;

struct fiber { /* what a switch touches, kept small: 1024 of them are walked per barrier */
  jmp_buf jb;
  bool started;
  int state;
  int kind, pred, result;
  const void *site;
};

struct fiber_set {
  fiber *f;
  ucontext_t *uc; /* how each fiber starts */
  char *stacks;
  int cur; /* -1: the block's loop */
  jmp_buf loop;
  block_run *b;
};
thread_local fiber_set fs = {NULL, NULL, NULL, -1, {}, NULL};

/* The next fiber after i still to run this round, or b->n for the block's loop. */
int next_running(int i) {
  for (int j = i + 1; j < fs.b->n; j++)
    if (fs.f[j].state == F_RUN) return j;
  return fs.b->n;
}

void jump(int to) {
  jmp_buf *save = fs.cur < 0 ? &fs.loop : &fs.f[fs.cur].jb;
  if (_setjmp(*save)) return;
  if (to >= fs.b->n) {
    fs.cur = -1;
    _longjmp(fs.loop, 1);
  }
  fs.cur = to;
  fiber *t = &fs.f[to];
  if (!t->started) {
    t->started = true;
    setcontext(&fs.uc[to]);
  }
  _longjmp(t->jb, 1);
}

void fiber_main(void) {
  for (;;) {
    int me = fs.cur;
    fs.b->k->run(fs.b->k->host, fs.b->args);
    fs.f[me].state = F_EXITED;
    jump(next_running(me));
  }
}

/* Starts fiber i afresh on its stack. */
void make_fiber(int i) {
  fs.f[i].started = false;
  getcontext(&fs.uc[i]);
  fs.uc[i].uc_stack.ss_sp = fs.stacks + (size_t)STACK_BYTES * i + 64;
  /* stack tops at different cache sets: equally spaced ones would all share a few */
  fs.uc[i].uc_stack.ss_size = STACK_BYTES - 64 - (size_t)i * 4160 % STACK_SPREAD / 64 * 64;
  fs.uc[i].uc_link = NULL;
  makecontext(&fs.uc[i], fiber_main, 0);
}

/* The fiber sets of threads that have ended, for the next threads (a device worker is a
 * thread of one run: a set per thread would grow with every run). */
pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;
std::vector<fiber_set> *spare_sets;

struct fiber_set_owner {
  ~fiber_set_owner() {
    if (!fs.f) return;
    pthread_mutex_lock(&spare_lock);
    if (!spare_sets) spare_sets = new std::vector<fiber_set>;
    spare_sets->push_back(fs);
    pthread_mutex_unlock(&spare_lock);
    fs.f = NULL;
  }
};
thread_local fiber_set_owner fs_owner;

bool fibers_ready(void) {
  if (fs.f) return true;
  (void)&fs_owner; /* constructed on first use: gives the set back when the thread ends */
  pthread_mutex_lock(&spare_lock);
  bool reuse = spare_sets && !spare_sets->empty();
  if (reuse) {
    fs = spare_sets->back();
    spare_sets->pop_back();
  }
  pthread_mutex_unlock(&spare_lock);
  if (!reuse) {
    size_t bytes = (size_t)STACK_BYTES * MAX_THREADS + HUGE_PAGE;
    char *region =
        (char *)mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (region == MAP_FAILED) return false;
    fs.stacks = (char *)(((uintptr_t)region + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    madvise(fs.stacks, (size_t)STACK_BYTES * MAX_THREADS, MADV_HUGEPAGE);
    fs.f = (fiber *)calloc(MAX_THREADS, sizeof *fs.f);
    fs.uc = (ucontext_t *)calloc(MAX_THREADS, sizeof *fs.uc);
    for (int i = 0; i < MAX_THREADS; i++)
      memcpy(fs.stacks + (size_t)STACK_BYTES * i, &CANARY, sizeof CANARY);
  }
  fs.cur = -1;
  fs.b = NULL;
  for (int i = 0; i < MAX_THREADS; i++) /* a fiber of another thread may hold its addresses */
    make_fiber(i);
  return true;
}

void check_stacks(int n) {
  for (int i = 0; i < n; i++)
    if (memcmp(fs.stacks + (size_t)STACK_BYTES * i, &CANARY, sizeof CANARY) != 0) {
      fprintf(stderr, "emu: the stack of CUDA thread %d overflowed (%d KiB)\n", i, STACK_BYTES >> 10);
      abort();
    }
}

int barrier(int kind, int pred, const void *site) {
  fiber *me = &fs.f[fs.cur];
  me->state = F_BARRIER;
  me->kind = kind;
  me->pred = pred;
  me->site = site;
  jump(next_running(fs.cur));
  return me->result;
}

void run_block(block_run *b) {
  fs.b = b;
  for (int i = 0; i < b->n; i++)
    fs.f[i].state = F_RUN;
  for (;;) {
    fs.cur = -1;
    jump(next_running(-1));
    int waiting = 0, exited = 0, first = -1;
    for (int i = 0; i < b->n; i++)
      if (fs.f[i].state == F_BARRIER) {
        if (first < 0) first = i;
        waiting++;
      } else {
        exited++;
      }
    if (!waiting) break;
    const fiber *f0 = &fs.f[first];
    if (exited)
      barrier_error(b, "%d of %d threads wait at a barrier that %d threads left the kernel without", waiting,
                    b->n, exited);
    int acc = reduce_start(f0->kind);
    bool mismatch = false;
    for (int i = 0; i < b->n; i++) {
      const fiber *f = &fs.f[i];
      if (f->state != F_BARRIER) continue;
      mismatch |= f->site != f0->site || f->kind != f0->kind;
      acc = reduce(f0->kind, acc, f->pred);
    }
    if (mismatch) barrier_error(b, "the threads of a block wait at different barriers");
    for (int i = 0; i < b->n; i++)
      if (fs.f[i].state == F_BARRIER) fs.f[i].state = F_RUN, fs.f[i].result = acc;
    b->barriers++;
  }
  check_stacks(b->n);
}

bool blocks_ready(void) { return fibers_ready(); }

uint3 linear_to_3d(int t, dim3 d) { return uint3{t % d.x, t / d.x % d.y, t / (d.x * d.y)}; }
int current_thread(void) { return fs.cur; }
block_run *current_block(void) { return fs.b; }

#else /* EMU_THREADS: one OS thread per CUDA thread, barriers with a mutex and a condition */

struct thread_block {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int arrived, exited;
  long gen;
  int kind, acc, result;
  const void *site;
  bool mismatch;
};

struct thread_arg {
  block_run *b;
  thread_block *tb;
  int tid;
};

thread_local block_run *t_block;
thread_local thread_block *t_tb;
thread_local int t_tid = -1;

/* Called with tb->mu held when every thread has arrived or left. */
void release_locked(block_run *b, thread_block *tb) {
  if (tb->exited)
    barrier_error(b, "%d of %d threads wait at a barrier that %d threads left the kernel without",
                  tb->arrived, b->n, tb->exited);
  if (tb->mismatch) barrier_error(b, "the threads of a block wait at different barriers");
  tb->result = tb->acc;
  tb->arrived = 0;
  tb->mismatch = false;
  tb->gen++;
  b->barriers++;
  pthread_cond_broadcast(&tb->cv);
}

int barrier(int kind, int pred, const void *site) {
  thread_block *tb = t_tb;
  pthread_mutex_lock(&tb->mu);
  if (tb->arrived == 0) {
    tb->kind = kind;
    tb->site = site;
    tb->acc = reduce_start(kind);
  } else if (tb->kind != kind || tb->site != site) {
    tb->mismatch = true;
  }
  tb->acc = reduce(tb->kind, tb->acc, pred);
  long gen = tb->gen;
  if (++tb->arrived + tb->exited == t_block->n)
    release_locked(t_block, tb);
  else
    while (tb->gen == gen)
      pthread_cond_wait(&tb->cv, &tb->mu);
  int r = tb->result;
  pthread_mutex_unlock(&tb->mu);
  return r;
}

void *thread_main(void *p) {
  thread_arg *a = (thread_arg *)p;
  t_block = a->b;
  t_tb = a->tb;
  t_tid = a->tid;
  a->b->k->run(a->b->k->host, a->b->args);
  pthread_mutex_lock(&a->tb->mu);
  a->tb->exited++;
  if (a->tb->arrived && a->tb->arrived + a->tb->exited == a->b->n) release_locked(a->b, a->tb);
  pthread_mutex_unlock(&a->tb->mu);
  return NULL;
}

void run_block(block_run *b) {
  thread_block tb;
  memset(&tb, 0, sizeof tb);
  pthread_mutex_init(&tb.mu, NULL);
  pthread_cond_init(&tb.cv, NULL);
  std::vector<pthread_t> th(b->n);
  std::vector<thread_arg> args(b->n);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 << 10);
  for (int i = 0; i < b->n; i++) {
    args[i] = thread_arg{b, &tb, i};
    if (pthread_create(&th[i], &attr, thread_main, &args[i]) != 0) {
      fprintf(stderr, "emu: cannot start thread %d of a block\n", i);
      abort();
    }
  }
  for (int i = 0; i < b->n; i++)
    pthread_join(th[i], NULL);
  pthread_attr_destroy(&attr);
  pthread_cond_destroy(&tb.cv);
  pthread_mutex_destroy(&tb.mu);
}

bool blocks_ready(void) { return true; }

uint3 linear_to_3d(int t, dim3 d) { return uint3{t % d.x, t / d.x % d.y, t / (d.x * d.y)}; }
int current_thread(void) { return t_tid; }
block_run *current_block(void) { return t_block; }

#endif

/* Runs every block of a kernel; false on a barrier error. */
bool run_kernel(const emu_kernel *k, const void *args, dim3 grid, dim3 block) {
  block_run b;
  memset(&b, 0, sizeof b);
  b.k = k;
  b.args = args;
  b.grid = grid;
  b.block = block;
  b.n = (int)(block.x * block.y * block.z);
  long blocks = 0, max_barriers = 0;
  for (unsigned z = 0; z < grid.z; z++)
    for (unsigned y = 0; y < grid.y; y++)
      for (unsigned x = 0; x < grid.x; x++) {
        b.idx = uint3{x, y, z};
        long before = b.barriers;
        pthread_mutex_lock(&block_lock);
        poison_shared();
        run_block(&b);
        pthread_mutex_unlock(&block_lock);
        blocks++;
        if (b.barriers - before > max_barriers) max_barriers = b.barriers - before;
      }
  lock();
  stats.launches++;
  stats.blocks += blocks;
  stats.barriers += b.barriers;
  if (max_barriers > stats.max_block_barriers) stats.max_block_barriers = max_barriers;
  bool report = b.errors && stats.barrier_errors < REPORTED_BARRIER_ERRORS;
  stats.barrier_errors += b.errors;
  unlock();
  if (report)
    fprintf(stderr, "emu: barrier error in %s (%ld in this launch): %s\n", k->name, b.errors, b.first_error);
  return b.errors == 0;
}

/* ---- streams and events ------------------------------------------------------------------ */

struct op {
  enum { COPY, KERNEL, EVENT } kind;
  void *dst;
  const void *src;
  size_t bytes;
  const emu_kernel *k;
  void *args;
  dim3 grid, block;
  bool fault;
  cudaEvent_t ev;
};

} // namespace

struct emu_stream {
  int dev;
  pthread_mutex_t mu;
  std::vector<op> q;
};

struct emu_event {
  bool recorded, done;
  double ms;
};

namespace {

double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

void drop(op &o) {
  if (o.kind == op::KERNEL) o.k->release(o.args);
}

/* Runs what s holds, in order; the device's sticky error if it has one (then the rest of
 * the queue is dropped: the context is gone). */
cudaError_t drain(cudaStream_t s) {
  pthread_mutex_lock(&s->mu);
  std::vector<op> q;
  q.swap(s->q);
  pthread_mutex_unlock(&s->mu);
  lock();
  cudaError_t e = sticky[s->dev];
  unlock();
  for (op &o : q) {
    if (e != cudaSuccess) {
      drop(o);
      continue;
    }
    if (o.kind == op::COPY) {
      memcpy(o.dst, o.src, o.bytes);
    } else if (o.kind == op::EVENT) {
      o.ev->done = true;
      o.ev->ms = now_ms();
    } else {
      if (o.fault)
        make_sticky(s->dev, cudaErrorIllegalAddress);
      else if (!run_kernel(o.k, o.args, o.grid, o.block))
        make_sticky(s->dev, cudaErrorLaunchFailure);
      lock();
      e = sticky[s->dev];
      unlock();
    }
    drop(o);
  }
  return e;
}

/* Everything queued on device dev (what cudaFree and the legacy stream wait for). */
cudaError_t drain_device(int dev) {
  lock();
  std::vector<cudaStream_t> mine;
  for (cudaStream_t s : *streams)
    if (s->dev == dev) mine.push_back(s);
  unlock();
  for (cudaStream_t s : mine)
    drain(s);
  lock();
  cudaError_t e = dev < sw.devices ? sticky[dev] : cudaSuccess;
  unlock();
  return e;
}

/* Queues o on s, or runs it now after the device's other work on the legacy stream. */
cudaError_t submit(cudaStream_t s, op o) {
  if (s) {
    pthread_mutex_lock(&s->mu);
    s->q.push_back(o);
    pthread_mutex_unlock(&s->mu);
    return cudaSuccess;
  }
  drain_device(current_dev);
  emu_stream now;
  now.dev = current_dev;
  pthread_mutex_init(&now.mu, NULL);
  now.q.push_back(o);
  cudaError_t e = drain(&now);
  pthread_mutex_destroy(&now.mu);
  return e;
}

bool valid_stream(cudaStream_t s) {
  if (!s) return true;
  lock();
  bool ok = false;
  for (cudaStream_t t : *streams)
    ok |= t == s;
  unlock();
  return ok;
}

struct launch_config {
  dim3 grid, block;
  size_t shmem;
  void *stream;
};
thread_local std::vector<launch_config> configs; /* <<<...>>> pushes, the stub pops */

} // namespace

/* ---- the API --------------------------------------------------------------------------- */

bool emu_device_can_reach(const void *p, int dev) {
  uintptr_t a = (uintptr_t)p;
  lock();
  bool ok = false;
  auto it = allocations->upper_bound(a);
  if (it != allocations->begin()) {
    --it;
    ok = a < it->first + (it->second.bytes ? it->second.bytes : 1) &&
         (it->second.dev == dev || it->second.dev < 0);
  }
  unlock();
  return ok;
}

void emu_register_kernels(const emu_kernel *ks, int n) {
  for (int i = 0; i < n && n_kernels < MAX_KERNELS; i++)
    kernels[n_kernels++] = ks[i];
}

uint3 emu_thread_idx(void) { return linear_to_3d(current_thread(), current_block()->block); }
uint3 emu_block_idx(void) { return current_block()->idx; }
dim3 emu_block_dim(void) { return current_block()->block; }
dim3 emu_grid_dim(void) { return current_block()->grid; }

extern "C" {

void bt_emu_reset(void) {
  lock();
  read_switches_locked();
  for (int d = 0; d < MAX_DEVICES; d++)
    sticky[d] = cudaSuccess; /* as a new process would find the devices */
  unlock();
  last_error = cudaSuccess;
}

bt_emu_stats bt_emu_stats_get(void) {
  lock();
  bt_emu_stats s = stats;
  unlock();
  return s;
}

int bt_emu_threaded(void) {
#ifdef EMU_THREADS
  return 1;
#else
  return 0;
#endif
}

const char *cudaGetErrorName(cudaError_t e) {
  switch (e) {
  case cudaSuccess: return "cudaSuccess";
  case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
  case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
  case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
  case cudaErrorInvalidPitchValue: return "cudaErrorInvalidPitchValue";
  case cudaErrorInvalidDeviceFunction: return "cudaErrorInvalidDeviceFunction";
  case cudaErrorNoDevice: return "cudaErrorNoDevice";
  case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
  case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
  case cudaErrorNotReady: return "cudaErrorNotReady";
  case cudaErrorIllegalAddress: return "cudaErrorIllegalAddress";
  case cudaErrorLaunchOutOfResources: return "cudaErrorLaunchOutOfResources";
  case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
  }
  return "cudaErrorUnknown";
}

const char *cudaGetErrorString(cudaError_t e) {
  switch (e) {
  case cudaSuccess: return "no error";
  case cudaErrorInvalidValue: return "invalid argument";
  case cudaErrorMemoryAllocation: return "out of memory";
  case cudaErrorInvalidConfiguration: return "invalid configuration argument";
  case cudaErrorInvalidPitchValue: return "invalid pitch argument";
  case cudaErrorInvalidDeviceFunction: return "invalid device function";
  case cudaErrorNoDevice: return "no CUDA-capable device is detected";
  case cudaErrorInvalidDevice: return "invalid device ordinal";
  case cudaErrorInvalidResourceHandle: return "invalid resource handle";
  case cudaErrorNotReady: return "device not ready";
  case cudaErrorIllegalAddress: return "an illegal memory access was encountered";
  case cudaErrorLaunchOutOfResources: return "too many resources requested for launch";
  case cudaErrorLaunchFailure: return "unspecified launch failure";
  }
  return "unknown error";
}

cudaError_t cudaGetLastError(void) {
  cudaError_t e = last_error, s = sticky_now();
  last_error = cudaSuccess;
  return s != cudaSuccess ? s : e;
}

cudaError_t cudaPeekAtLastError(void) {
  cudaError_t s = sticky_now();
  return s != cudaSuccess ? s : last_error;
}

cudaError_t cudaGetDeviceCount(int *count) {
  lock();
  int n = sw.devices;
  unlock();
  *count = n;
  return n ? cudaSuccess : fail(cudaErrorNoDevice);
}

static bool device_ok(int dev) {
  lock();
  bool ok = dev >= 0 && dev < sw.devices;
  unlock();
  return ok;
}

cudaError_t cudaSetDevice(int dev) {
  if (!device_ok(dev)) return fail(cudaErrorInvalidDevice);
  current_dev = dev;
  return cudaSuccess;
}

cudaError_t cudaGetDevice(int *dev) {
  *dev = current_dev;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp *prop, int dev) {
  if (!device_ok(dev)) return fail(cudaErrorInvalidDevice);
  memset(prop, 0, sizeof *prop);
  snprintf(prop->name, sizeof prop->name, "batt CUDA emulator %d", dev);
  lock();
  prop->totalGlobalMem = sw.mem_bytes;
  unlock();
  prop->multiProcessorCount = 132;
  prop->memoryBusWidth = 5120;
  prop->maxThreadsPerBlock = MAX_THREADS;
  return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int *value, cudaDeviceAttr attr, int dev) {
  if (!device_ok(dev)) return fail(cudaErrorInvalidDevice);
  if (attr != cudaDevAttrMemoryClockRate) return fail(cudaErrorInvalidValue);
  *value = 2619000; /* kHz */
  return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t *free_bytes, size_t *total_bytes) {
  cudaError_t e = sticky_now();
  if (e) return fail(e);
  lock();
  *total_bytes = sw.mem_bytes;
  *free_bytes = sw.mem_bytes - used[current_dev];
  unlock();
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize(void) { return fail(drain_device(current_dev)); }

cudaError_t cudaMalloc(void **p, size_t bytes) {
  cudaError_t e = sticky_now();
  if (e) return fail(e);
  lock();
  long n = ++sw.mallocs;
  stats.mallocs++;
  bool refuse = n == sw.malloc_fail || (sw.malloc_fail_from && n >= sw.malloc_fail_from) ||
                used[current_dev] + bytes > sw.mem_bytes;
  if (refuse) stats.failed_mallocs++;
  unlock();
  if (refuse) return fail(cudaErrorMemoryAllocation);
  if (bytes == 0) {
    *p = NULL;
    return cudaSuccess;
  }
  size_t rounded = (bytes + 255) / 256 * 256;
  void *m = aligned_alloc(256, rounded);
  if (!m) return fail(cudaErrorMemoryAllocation);
  memset(m, 0xCD, rounded); /* device memory starts as whatever was there */
  lock();
  (*allocations)[(uintptr_t)m] = allocation{bytes, current_dev};
  used[current_dev] += bytes;
  unlock();
  *p = m;
  return cudaSuccess;
}

cudaError_t cudaFree(void *p) {
  if (!p) return cudaSuccess;
  lock();
  auto it = allocations->find((uintptr_t)p);
  int dev = it != allocations->end() ? it->second.dev : -1;
  unlock();
  if (dev < 0) return fail(cudaErrorInvalidValue);
  cudaError_t e = drain_device(dev); /* cudaFree waits for the device */
  lock();
  it = allocations->find((uintptr_t)p);
  bool ok = it != allocations->end();
  if (ok) {
    used[dev] -= it->second.bytes;
    allocations->erase(it);
  }
  unlock();
  if (!ok) return fail(cudaErrorInvalidValue);
  free(p);
  return fail(e);
}

cudaError_t cudaHostAlloc(void **p, size_t bytes, unsigned flags) {
  (void)flags;
  void *m = malloc(bytes ? bytes : 1);
  if (!m) return fail(cudaErrorMemoryAllocation);
  memset(m, 0xCE, bytes);
  lock();
  (*allocations)[(uintptr_t)m] = allocation{bytes, -1};
  unlock();
  *p = m;
  return cudaSuccess;
}

cudaError_t cudaMallocHost(void **p, size_t bytes) { return cudaHostAlloc(p, bytes, cudaHostAllocDefault); }

cudaError_t cudaFreeHost(void *p) {
  if (!p) return cudaSuccess;
  lock();
  auto it = allocations->find((uintptr_t)p);
  bool ok = it != allocations->end() && it->second.dev < 0;
  if (ok) allocations->erase(it);
  unlock();
  if (!ok) return fail(cudaErrorInvalidValue);
  free(p);
  return cudaSuccess;
}

/* A copy's device side must lie inside one allocation of the current device. */
static cudaError_t copy_op(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind, op *o) {
  bool to_dev = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
  bool from_dev = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
  if (kind > cudaMemcpyDeviceToDevice) return cudaErrorInvalidValue;
  if (to_dev && device_range(dst, bytes) != current_dev) return cudaErrorInvalidValue;
  if (from_dev && device_range(src, bytes) != current_dev) return cudaErrorInvalidValue;
  if (!to_dev && device_range(dst, 1) >= 0) return cudaErrorInvalidValue;
  if (!from_dev && device_range(src, 1) >= 0) return cudaErrorInvalidValue;
  memset(o, 0, sizeof *o);
  o->kind = op::COPY;
  o->dst = dst;
  o->src = src;
  o->bytes = bytes;
  lock();
  if (kind == cudaMemcpyHostToDevice) stats.h2d_bytes += (long)bytes;
  if (kind == cudaMemcpyDeviceToHost) stats.d2h_bytes += (long)bytes;
  unlock();
  return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind, cudaStream_t s) {
  cudaError_t e = sticky_now();
  if (e) return fail(e);
  if (!valid_stream(s) || (s && s->dev != current_dev)) return fail(cudaErrorInvalidResourceHandle);
  if (bytes == 0) return cudaSuccess;
  op o;
  if ((e = copy_op(dst, src, bytes, kind, &o)) != cudaSuccess) return fail(e);
  return fail(submit(s, o));
}

/* height rows of width bytes, each a copy of its own on the stream, in order. */
cudaError_t cudaMemcpy2DAsync(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width,
                              size_t height, cudaMemcpyKind kind, cudaStream_t s) {
  cudaError_t e = sticky_now();
  if (e) return fail(e);
  if (!valid_stream(s) || (s && s->dev != current_dev)) return fail(cudaErrorInvalidResourceHandle);
  if (width > dpitch || width > spitch) return fail(cudaErrorInvalidPitchValue);
  for (size_t r = 0; r < height && width; r++) {
    op o;
    if ((e = copy_op((char *)dst + r * dpitch, (const char *)src + r * spitch, width, kind, &o)) !=
        cudaSuccess)
      return fail(e);
    if ((e = submit(s, o)) != cudaSuccess) return fail(e);
  }
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind) {
  return cudaMemcpyAsync(dst, src, bytes, kind, NULL);
}

cudaError_t cudaMemset(void *p, int value, size_t bytes) {
  cudaError_t e = sticky_now();
  if (e) return fail(e);
  if (device_range(p, bytes) != current_dev) return fail(cudaErrorInvalidValue);
  drain_device(current_dev);
  memset(p, value, bytes);
  return cudaSuccess;
}

cudaError_t cudaStreamCreate(cudaStream_t *s) {
  cudaError_t e = sticky_now();
  if (e) return fail(e);
  cudaStream_t n = new emu_stream;
  n->dev = current_dev;
  pthread_mutex_init(&n->mu, NULL);
  lock();
  streams->push_back(n);
  unlock();
  *s = n;
  return cudaSuccess;
}

cudaError_t cudaStreamDestroy(cudaStream_t s) {
  if (!s || !valid_stream(s)) return fail(cudaErrorInvalidResourceHandle);
  drain(s); /* its work completes first */
  lock();
  for (size_t i = 0; i < streams->size(); i++)
    if ((*streams)[i] == s) streams->erase(streams->begin() + (long)i);
  unlock();
  pthread_mutex_destroy(&s->mu);
  delete s;
  return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t s) {
  if (!valid_stream(s)) return fail(cudaErrorInvalidResourceHandle);
  return fail(s ? drain(s) : drain_device(current_dev));
}

cudaError_t cudaEventCreate(cudaEvent_t *e) {
  cudaError_t err = sticky_now();
  if (err) return fail(err);
  *e = new emu_event{false, false, 0};
  return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t e) {
  delete e;
  return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s) {
  cudaError_t err = sticky_now();
  if (err) return fail(err);
  if (!e) return fail(cudaErrorInvalidResourceHandle);
  if (!valid_stream(s) || (s && s->dev != current_dev)) return fail(cudaErrorInvalidResourceHandle);
  e->recorded = true;
  e->done = false;
  op o;
  memset(&o, 0, sizeof o);
  o.kind = op::EVENT;
  o.ev = e;
  return fail(submit(s, o));
}

cudaError_t cudaEventSynchronize(cudaEvent_t e) {
  if (!e) return fail(cudaErrorInvalidResourceHandle);
  return e->done || !e->recorded ? cudaSuccess : fail(drain_device(current_dev));
}

cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t start, cudaEvent_t stop) {
  cudaError_t err = sticky_now();
  if (err) return fail(err);
  if (!start || !stop || !start->recorded || !stop->recorded) return fail(cudaErrorInvalidResourceHandle);
  if (!start->done || !stop->done) return fail(cudaErrorNotReady);
  *ms = (float)(stop->ms - start->ms);
  return cudaSuccess;
}

unsigned __cudaPushCallConfiguration(dim3 grid, dim3 block, size_t shmem, void *stream) {
  configs.push_back(launch_config{grid, block, shmem, stream});
  return 0;
}

cudaError_t __cudaPopCallConfiguration(dim3 *grid, dim3 *block, size_t *shmem, void *stream) {
  if (configs.empty()) return fail(cudaErrorInvalidConfiguration);
  launch_config c = configs.back();
  configs.pop_back();
  *grid = c.grid;
  *block = c.block;
  *shmem = c.shmem;
  *(void **)stream = c.stream;
  return cudaSuccess;
}

cudaError_t cudaLaunchKernel(const void *func, dim3 grid, dim3 block, void **args, size_t shmem,
                             cudaStream_t s) {
  cudaError_t e = sticky_now();
  if (e) return fail(e);
  const emu_kernel *k = NULL;
  for (int i = 0; i < n_kernels && !k; i++)
    if (kernels[i].stub == func) k = &kernels[i];
  if (!k) return fail(cudaErrorInvalidDeviceFunction);
  unsigned long threads = (unsigned long)block.x * block.y * block.z;
  if (!grid.x || !grid.y || !grid.z || grid.y > 65535 || grid.z > 65535 || !threads ||
      threads > MAX_THREADS || block.z > 64 || shmem > 0)
    return fail(cudaErrorInvalidConfiguration);
  if (!valid_stream(s) || (s && s->dev != current_dev)) return fail(cudaErrorInvalidResourceHandle);
  if (!blocks_ready()) return fail(cudaErrorLaunchOutOfResources);
  lock();
  long n = ++sw.launches;
  bool refuse = n == sw.launch_fail, fault = n == sw.kernel_fault;
  if (refuse) stats.failed_launches++;
  unlock();
  if (refuse) return fail(cudaErrorLaunchOutOfResources);
  op o;
  memset(&o, 0, sizeof o);
  o.kind = op::KERNEL;
  o.k = k;
  o.args = k->capture(args);
  o.grid = grid;
  o.block = block;
  o.fault = fault;
  if (!fault && !k->pointers_ok(args, current_dev)) { /* the kernel would fault on a GPU */
    fprintf(stderr, "emu: %s gets a pointer its device cannot reach (not from cudaMalloc on device %d)\n",
            k->name, current_dev);
    o.fault = true;
  }
  return fail(submit(s, o));
}

/* ---- device side ------------------------------------------------------------------------- */

/* A barrier is known by where it is called from. */
__attribute__((noinline)) void emu_syncthreads(void) { barrier(BAR_SYNC, 0, __builtin_return_address(0)); }
__attribute__((noinline)) int emu_syncthreads_or(int p) {
  return barrier(BAR_OR, p, __builtin_return_address(0));
}
__attribute__((noinline)) int emu_syncthreads_and(int p) {
  return barrier(BAR_AND, p, __builtin_return_address(0));
}
__attribute__((noinline)) int emu_syncthreads_count(int p) {
  return barrier(BAR_COUNT, p, __builtin_return_address(0));
}

} // extern "C"
