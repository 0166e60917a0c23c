"""book.py METHOD - the book's prime test, one process per number, in Python: for 'make bench'.

Reads one number a line from standard input until a line "e" or the end. Each number is tested by
a multiprocessing.Process started with the start method METHOD (fork, forkserver or spawn), which
prints its verdict holding a multiprocessing.Lock that the main process created and passed to it;
the main process joins every process at the end. It has the book's shape (the trial division,
the lock passed as a parameter, the __name__ guard) without its prompt and its German verdicts,
so that 'make bench' can set what a number costs in Python beside docs/core.cpp and docs/spawn.cpp.
"""
import multiprocessing
import sys


def test(number, lock):
    i = 2
    while i * i <= number:
        if number % i == 0:
            with lock:
                print(f"{number} is not prime, since {number} = {i} * {number // i}")
            return
        i += 1
    with lock:
        print(f"{number} is prime")


if __name__ == "__main__":
    context = multiprocessing.get_context(sys.argv[1])
    lock = context.Lock()
    processes = []
    for line in sys.stdin:
        if line.strip() == "e":
            break
        process = context.Process(target=test, args=(int(line), lock))
        process.start()
        processes.append(process)
    for process in processes:
        process.join()
