// Package cputime is the CPU time this process has used, user and system:
// on a shared machine it measures a benchmark's work where wall time
// measures the machine's load. Each system has its own call for it.
package cputime
