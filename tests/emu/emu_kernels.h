/* emu_kernels.h: how kernels_emu.cu tells the emulator which host function runs each
 * kernel. A launch passes the kernel's stub and its arguments as void *args[] that live
 * only during the call: capture copies them (streams run later), run calls the host
 * twin of the kernel with them, release frees the copy. */
#ifndef BATT_EMU_KERNELS_H
#define BATT_EMU_KERNELS_H

#include <tuple>
#include <type_traits>
#include <utility>

typedef struct emu_kernel {
  const void *stub; /* what cudaLaunchKernel receives */
  const char *name;
  void (*host)(void); /* the kernel compiled as host code, as a generic pointer */
  void *(*capture)(void **args);
  /* Whether every pointer argument points into memory the device can reach (its own
   * allocations or page-locked host memory), asked of emu_device_can_reach. */
  bool (*pointers_ok)(void **args, int dev);
  void (*run)(void (*host)(void), const void *captured);
  void (*release)(void *captured);
} emu_kernel;

/* Makes the n kernels known; kernels_emu.cu calls it before main. */
void emu_register_kernels(const emu_kernel *kernels, int n);
bool emu_device_can_reach(const void *p, int dev);

template <class T> bool emu_reachable(const T &, int, std::false_type) { return true; }
template <class T> bool emu_reachable(const T &p, int dev, std::true_type) {
  return !p || emu_device_can_reach((const void *)p, dev);
}

template <class... P> struct emu_invoker {
  typedef std::tuple<typename std::decay<P>::type...> values;
  template <size_t... I> static void *capture_at(void **args, std::index_sequence<I...>) {
    return new values(*static_cast<typename std::decay<P>::type *>(args[I])...);
  }
  static void *capture(void **args) { return capture_at(args, std::index_sequence_for<P...>{}); }
  template <size_t... I> static bool pointers_ok_at(void **args, int dev, std::index_sequence<I...>) {
    (void)args, (void)dev;
    return (true && ... &&
            emu_reachable(*static_cast<typename std::decay<P>::type *>(args[I]), dev,
                          std::is_pointer<typename std::decay<P>::type>{}));
  }
  static bool pointers_ok(void **args, int dev) {
    return pointers_ok_at(args, dev, std::index_sequence_for<P...>{});
  }
  static void run(void (*host)(void), const void *captured) {
    std::apply(reinterpret_cast<void (*)(P...)>(host), *static_cast<const values *>(captured));
  }
  static void release(void *captured) { delete static_cast<values *>(captured); }
};

template <class... P> emu_kernel emu_kernel_of(const void *stub, const char *name, void (*host)(P...)) {
  return emu_kernel{stub,
                    name,
                    reinterpret_cast<void (*)(void)>(host),
                    &emu_invoker<P...>::capture,
                    &emu_invoker<P...>::pointers_ok,
                    &emu_invoker<P...>::run,
                    &emu_invoker<P...>::release};
}

#endif
