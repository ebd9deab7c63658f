// The hot paths inline several event sends, each a struct local: without this the runtime zeroes
// hundreds of bytes of stack at every entry of such a method (C#'s default .locals init), though
// the compiler's definite assignment already guarantees that nothing reads a local before it is
// written. The attribute also leaves stackalloc uninitialized: this assembly has none.
[module: System.Runtime.CompilerServices.SkipLocalsInit]
