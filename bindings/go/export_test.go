package annoy

// Test hooks: the number of C handles not yet freed, and a deliberate panic in the library.

func LiveHandles() int64 { return liveHandles.Load() }

func SelftestPanic() error { return selftestPanic() }
