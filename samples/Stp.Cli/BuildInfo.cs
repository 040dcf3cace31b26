using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Stp.Runtime;

namespace Stp.Cli;

/// <summary>
/// The software and the machine of a run, for its manifest. The Stp version and git commit come from the informational
/// version the build embeds ("0.1.0+&lt;commit&gt;": the SDK's SourceLink sets SourceRevisionId from git); a build
/// outside a git clone has no commit, recorded as "unknown".
/// </summary>
internal static class BuildInfo
{
    private static readonly string Informational =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>The Stp version (e.g. 0.1.0, or 0.1.0-ci.20260101 for a CI pack).</summary>
    public static string Version => Informational.Split('+')[0];

    /// <summary>The git commit the stp command was built from, or "unknown".</summary>
    public static string Commit => Informational.Split('+') is [_, var commit, ..] && commit.Length > 0 ? commit : "unknown";

    /// <summary>Stp (version, commit), TorchSharp, libtorch and .NET versions.</summary>
    public static JsonObject Software() => new()
    {
        ["stp"] = Version,
        ["commit"] = Commit,
        ["torchsharp"] = TorchRuntime.TorchSharpVersion,
        ["libtorch"] = TorchRuntime.LibTorchVersion,
        ["dotnet"] = RuntimeInformation.FrameworkDescription,
    };

    /// <summary>The machine: operating system, architecture, host name, cores, memory, and the torch threads this session uses.</summary>
    public static JsonObject Machine(int threads) => new()
    {
        ["os"] = RuntimeInformation.OSDescription,
        ["architecture"] = RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
        ["host"] = Environment.MachineName,
        ["cores"] = Environment.ProcessorCount,
        ["memoryBytes"] = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        ["threads"] = threads,
    };
}
