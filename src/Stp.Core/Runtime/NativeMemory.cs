using System.Runtime.InteropServices;

namespace Stp.Runtime;

/// <summary>
/// Native-heap tuning for long TorchSharp runs on Linux/glibc. libtorch's CPU allocator frees large buffers back to
/// glibc, which keeps them in its arenas: the process's peak resident memory then grows to several times what the
/// tensors need. <see cref="ServeLargeAllocationsWithMmap"/> lowers glibc's mmap threshold so that large buffers are
/// returned to the OS when freed (the same as setting MALLOC_MMAP_THRESHOLD_). It trades some speed for memory.
/// </summary>
internal static partial class NativeMemory
{
    private const int MallocMmapThreshold = -3; // M_MMAP_THRESHOLD

    /// <summary>
    /// Serves allocations of at least <paramref name="thresholdBytes"/> with mmap (returned to the OS when freed).
    /// Returns false where this is not available (not Linux, or not glibc).
    /// </summary>
    public static bool ServeLargeAllocationsWithMmap(int thresholdBytes = 128 * 1024)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return mallopt(MallocMmapThreshold, thresholdBytes) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int param, int value);
}
