using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Stp.Runtime;

/// <summary>
/// Checks that TorchSharp's native runtime (LibTorchSharp and libtorch) loads. Stp's libraries reference the managed
/// TorchSharp package only, as TorchSharp libraries do; the application adds the native runtime package of its
/// platform. When it is missing, TorchSharp fails on its first call with a type-initialisation error (or a
/// <see cref="DllNotFoundException"/> for LibTorchSharp); Stp's entry points (<c>DiffusionModel</c>, its trainer and
/// sampler, the backbones' constructors) call <see cref="EnsureAvailable"/> first, which turns that into an
/// <see cref="InvalidOperationException"/> naming the package to add. The probe runs once per process.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lazy<Exception?> LoadFailure = new(Probe, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Returns when TorchSharp's native runtime loads; otherwise throws an <see cref="InvalidOperationException"/>
    /// naming the runtime package to add (the original error is its inner exception). Cheap after the first call.
    /// Call it first in your own entry points that build TorchSharp modules.
    /// </summary>
    /// <exception cref="InvalidOperationException">The native runtime could not be loaded.</exception>
    public static void EnsureAvailable()
    {
        if (LoadFailure.Value is { } cause)
            throw new InvalidOperationException(MissingRuntimeMessage(cause, FindLibTorch(AppContext.BaseDirectory)), cause);
    }

    /// <summary>
    /// The device named <paramref name="name"/> (case-insensitive): <c>cpu</c>, <c>cuda</c> (the current CUDA device)
    /// or <c>cuda:N</c> (device N). Checks that the native runtime loads and that the device exists in this process.
    /// </summary>
    /// <exception cref="ArgumentException">The name is none of these, or the device is not there (the message says
    /// why: no CUDA build of libtorch, no GPU, or fewer devices than N + 1).</exception>
    /// <exception cref="InvalidOperationException">The native runtime could not be loaded (<see cref="EnsureAvailable"/>).</exception>
    public static torch.Device ResolveDevice(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!TryParseDeviceName(name, out int? cudaIndex))
            throw new ArgumentException($"Unknown device '{name}' (cpu, cuda, cuda:N).", nameof(name));
        EnsureAvailable();
        if (cudaIndex is not int index) return torch.CPU;
        if (!torch.cuda.is_available())
            throw new ArgumentException($"Device '{name}': CUDA is not available in this process ({CudaUnavailableReason}).", nameof(name));
        if (index < 0) return torch.CUDA;
        int count = torch.cuda.device_count();
        if (index >= count)
            throw new ArgumentException($"Device '{name}': this machine has {count} CUDA device{(count == 1 ? "" : "s")} (cuda:0{(count > 1 ? $" to cuda:{count - 1}" : "")}).", nameof(name));
        return new torch.Device(DeviceType.CUDA, index);
    }

    /// <summary>
    /// Parses a device name without touching the runtime: false when it is not cpu, cuda or cuda:N (case-insensitive);
    /// otherwise <paramref name="cudaIndex"/> is null for the CPU, -1 for "cuda" (the current device) and N for "cuda:N".
    /// </summary>
    public static bool TryParseDeviceName(string name, out int? cudaIndex)
    {
        cudaIndex = null;
        var n = (name ?? "").Trim().ToLowerInvariant();
        if (n == "cpu") return true;
        if (n == "cuda") { cudaIndex = -1; return true; }
        if (n.StartsWith("cuda:", StringComparison.Ordinal) && n.Length > 5 && n[5..].All(char.IsAsciiDigit)
            && int.TryParse(n[5..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
        {
            cudaIndex = index;
            return true;
        }
        return false;
    }

    /// <summary>Why CUDA is missing, for messages: the CPU build of libtorch, or no usable GPU.</summary>
    internal static string CudaUnavailableReason =>
        FindLibTorch(AppContext.BaseDirectory) is { } cpuLib && !File.Exists(Path.Combine(Path.GetDirectoryName(cpuLib)!, OperatingSystem.IsWindows() ? "torch_cuda.dll" : "libtorch_cuda.so"))
            ? "the application has the CPU build of libtorch; build it with -p:StpCuda=true, which references the CUDA runtime package (see docs/gpu.md)"
            : "no usable NVIDIA GPU or driver was found";

    private static Exception? Probe()
    {
        try
        {
            // The first use of torch runs TorchSharp's static initialiser, which loads the native backend for the CPU.
            torch.InitializeDeviceType(DeviceType.CPU);
            return null;
        }
        catch (Exception e) when (IsMissingNativeRuntime(e))
        {
            return e;
        }
    }

    /// <summary>Whether <paramref name="e"/> (or an exception inside it) is TorchSharp failing to load its native libraries.</summary>
    internal static bool IsMissingNativeRuntime(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is DllNotFoundException) return true;
            if (x is NotSupportedException && (x.Message.Contains("libtorch", StringComparison.OrdinalIgnoreCase)
                || x.Message.Contains("LibTorchSharp", StringComparison.OrdinalIgnoreCase)))
                return true;
        }
        return false;
    }

    /// <summary>
    /// The message for a runtime that did not load: which package to add for this platform (CPU and CUDA), and, when
    /// libtorch is in the application folder (<paramref name="libTorchFound"/>), that it is there but did not load.
    /// </summary>
    internal static string MissingRuntimeMessage(Exception cause, string? libTorchFound) =>
        MissingRuntimeMessage(cause, libTorchFound, OperatingSystem.IsWindows() ? OSPlatform.Windows
            : OperatingSystem.IsMacOS() ? OSPlatform.OSX : OSPlatform.Linux, RuntimeInformation.ProcessArchitecture);

    internal static string MissingRuntimeMessage(Exception cause, string? libTorchFound, OSPlatform os, Architecture arch)
    {
        string libtorch = LibTorchVersion, torchSharp = TorchSharpVersion;
        string cpu = (os == OSPlatform.Windows && arch == Architecture.X64) ? "libtorch-cpu-win-x64"
            : (os == OSPlatform.OSX && arch == Architecture.Arm64) ? "libtorch-cpu-osx-arm64"
            : (os == OSPlatform.Linux && arch == Architecture.X64) ? "libtorch-cpu-linux-x64"
            : "TorchSharp-cpu";
        string cpuVersion = cpu == "TorchSharp-cpu" ? torchSharp : libtorch;
        string cuda = os == OSPlatform.Windows ? $"TorchSharp-cuda-windows --version {torchSharp}" : $"libtorch-cuda-12.8-linux-x64 --version {libtorch}";
        string reason = libTorchFound is null
            ? "the application references no native runtime package"
            : $"libtorch is there ({libTorchFound}) but LibTorchSharp did not load (on Linux with an older libstdc++, build the application so that Stp.Core's package targets patch LibTorchSharp, i.e. without -p:StpPatchLibTorchSharp=false)";
        string firstLine = cause.GetBaseException().Message.Split('\n', 2)[0].Trim();
        return $"Stp needs TorchSharp's native runtime (LibTorchSharp + libtorch {libtorch}) and could not load it: {reason}. "
            + $"Add the runtime package for this platform: dotnet add package {cpu} --version {cpuVersion} "
            + $"(CPU; or TorchSharp-cpu --version {torchSharp} for Linux, Windows and macOS), or for CUDA: dotnet add package {cuda}. "
            + $"TorchSharp said: {firstLine}";
    }

    /// <summary>The libtorch version this build of Stp was made with (the native packages' version).</summary>
    internal static string LibTorchVersion { get; } = typeof(TorchRuntime).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .FirstOrDefault(a => a.Key == "StpLibTorchVersion")?.Value ?? "2.10.0";

    /// <summary>The referenced TorchSharp version (major.minor.patch), read without loading its native code.</summary>
    internal static string TorchSharpVersion { get; } = typeof(torch).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.107.0";

    /// <summary>
    /// The first libtorch CPU library of this operating system (<c>libtorch_cpu.so</c>, <c>torch_cpu.dll</c>,
    /// <c>libtorch_cpu.dylib</c>) in <paramref name="folder"/> or its runtimes/*/native folders, or null. (LibTorchSharp
    /// itself comes with the managed TorchSharp package for every platform; libtorch comes with the runtime package.)
    /// </summary>
    internal static string? FindLibTorch(string folder)
    {
        string name = OperatingSystem.IsWindows() ? "torch_cpu.dll" : OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
        var folders = new List<string> { folder };
        string runtimes = Path.Combine(folder, "runtimes");
        if (Directory.Exists(runtimes))
            folders.AddRange(Directory.GetDirectories(runtimes).Select(r => Path.Combine(r, "native")).Where(Directory.Exists));
        return folders.Select(f => Path.Combine(f, name)).FirstOrDefault(File.Exists);
    }
}
