// A C++ program that does nothing but start: libstdc++ loaded, relocated
// and initialised (its streams), as any C++ worker process is. spawn_true
// cpp times it: the floor under starting ferry-worker.
#include <iostream>

int main() {
  std::cout.flush();
  return 0;
}
