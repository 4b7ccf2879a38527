// tests/link/archive_main.cpp: main() in a static library, as gtest_main,
// gmock_main and Catch2WithMain ship it (realworld_test.cpp puts it in an
// archive and links a program from it with gort-c++).
int run_all_tests();
int main() { return run_all_tests(); }
