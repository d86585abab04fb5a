//! Cache hints for the hot loops over large inputs (see DESIGN.md, "Shared plugin texts").

/// Asks the processor to bring the cache line holding `p` in; does nothing else. Any address
/// will do: none needs to point into a live allocation.
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults, whatever the address, and has no effect the program can
    // observe. This is the one `unsafe` block in the project's code (the workspace denies it).
    #[allow(unsafe_code)]
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// [`prefetch`] every line of `len` bytes from `p`, and the 16 bytes before (where an `Arc`
/// keeps its counts: [`prefetch_counts`]).
#[inline]
pub(crate) fn prefetch_bytes(p: *const u8, len: usize) {
    let end = p.wrapping_add(len);
    let mut q = p.wrapping_sub(16);
    while q < end {
        prefetch(q);
        q = q.wrapping_add(64);
    }
}

/// [`prefetch`] the reference counts of `a`: the 16 bytes before its text, where the standard
/// library's `Arc` keeps them (were that to change, only the hint would miss).
#[inline]
pub(crate) fn prefetch_counts(a: &std::sync::Arc<str>) {
    prefetch(std::sync::Arc::as_ptr(a).cast::<u8>().wrapping_sub(16));
}
