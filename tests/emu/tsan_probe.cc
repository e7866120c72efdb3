// tsan_probe.cc: compiled at configure time to learn whether clang++ has ThreadSanitizer.
int main() { return 0; }
