using System.CommandLine;
using Stp.Diffusion;
using Stp.Runtime;
using static TorchSharp.torch;

namespace Stp.Cli;

internal static class Common
{
    /// <summary>--device cpu|cuda|cuda:N (default cpu), checked while parsing (a bad name is a usage error).</summary>
    public static Option<string> DeviceOption()
    {
        var option = new Option<string>("--device") { Description = "cpu, cuda or cuda:N (default: cpu)", DefaultValueFactory = _ => "cpu" };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is string v && !TorchRuntime.TryParseDeviceName(v, out _))
                r.AddError($"{r.Option.Name}: unknown device '{v}' (cpu, cuda, cuda:N).");
        });
        return option;
    }

    public static Option<long> SeedOption() => new("--seed") { Description = "Random seed (default 0)", DefaultValueFactory = _ => 0 };
    public static Option<int> ThreadsOption() => new Option<int>("--threads") { Description = "CPU threads for torch (default: all cores)", DefaultValueFactory = _ => Environment.ProcessorCount }.InRange(1, 1024);

    /// <summary>The device of a --device value (sets the CPU threads first when <paramref name="threads"/> &gt; 0).</summary>
    /// <exception cref="UsageException">Unknown name, or CUDA (or device N) is not available: the message says why.</exception>
    public static Device ResolveDevice(string name, int threads)
    {
        if (threads > 0) set_num_threads(threads);
        try
        {
            return TorchRuntime.ResolveDevice(name);
        }
        catch (ArgumentException e)
        {
            var why = e.Message.Split(" (Parameter", 2)[0];
            var prefix = $"Device '{name}': ";
            throw new UsageException($"--device {name}: {(why.StartsWith(prefix, StringComparison.Ordinal) ? why[prefix.Length..] : why)}");
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
