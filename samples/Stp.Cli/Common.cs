using System.CommandLine;
using Stp.Diffusion;
using static TorchSharp.torch;

namespace Stp.Cli;

internal static class Common
{
    public static Option<string> DeviceOption() => new Option<string>("--device") { Description = "cpu or cuda (default: cpu)", DefaultValueFactory = _ => "cpu" }.OneOf("device", "cpu", "cuda");
    public static Option<long> SeedOption() => new("--seed") { Description = "Random seed (default 0)", DefaultValueFactory = _ => 0 };
    public static Option<int> ThreadsOption() => new Option<int>("--threads") { Description = "CPU threads for torch (default: all cores)", DefaultValueFactory = _ => Environment.ProcessorCount }.InRange(1, 1024);

    public static Device ResolveDevice(string name, int threads)
    {
        if (threads > 0) set_num_threads(threads);
        switch (name.ToLowerInvariant())
        {
            case "cpu": return CPU;
            case "cuda":
                if (!cuda.is_available()) throw new UsageException("--device cuda: CUDA is not available (build with -p:StpCuda=true on a machine with an NVIDIA GPU and its libtorch runtime).");
                return CUDA;
            default: throw new UsageException($"--device: unknown device '{name}' (cpu or cuda).");
        }
    }

    public static PriorKind ParsePrior(string s) => s.ToLowerInvariant() switch
    {
        "stp" => PriorKind.ScaledPrior,
        "none" or "edm" or "unit" => PriorKind.Unit,
        "normalize" or "-n" or "n" => PriorKind.NormalizedCoordinates,
        _ => throw new UsageException($"--prior: unknown prior '{s}' (stp, none, normalize)."),
    };

    public static string PriorName(PriorKind p) => p switch
    {
        PriorKind.ScaledPrior => "stp",
        PriorKind.NormalizedCoordinates => "normalize",
        _ => "none",
    };

    /// <summary>
    /// --device of a command that runs no model (scale, merge, compare): the same option, checked the same way, so that
    /// a script can pass one --device to every command; the command itself computes on the CPU.
    /// </summary>
    public static Option<string> NoTorchDeviceOption(string command)
    {
        var option = DeviceOption();
        option.Description = $"Accepted as on every command, so that scripts can pass one --device everywhere ({option.Description}); {command} runs no model and computes on the CPU";
        return option;
    }
}
