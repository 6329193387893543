// Package cpuclock reads CPU time: this process's, and any process's on
// Linux. Benchmarks report it beside wall time, because other load on a
// shared machine moves a process's CPU time per operation far less than
// its wall time; a benchmark of a client and a database on one machine
// reads the server's backends too.
//
// It is for tests and benchmarks; nothing of the library's concepts is
// here. Its functions are safe for concurrent use.
//
// # Usage
//
// [Self] returns this process's user and system CPU time so far; take
// it before and after the work. [Process] returns one single-threaded
// process's CPU time (a PostgreSQL backend, named by its PID; [Named]
// checks it is one), and [All]
// every process's, to
// subtract from a later [Process] of a backend that may have started in
// between.
package cpuclock
