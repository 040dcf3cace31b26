using System.CommandLine;

namespace Stp.Cli;

internal static class ExportCommand
{
    /// <summary><c>export</c> (a small inference-only model from a checkpoint) and <c>convert</c> (an Stp 0.1 .stp file to the current format): the same operation.</summary>
    public static Command Create(string name = "export")
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Training checkpoint, model file, or an Stp 0.1 .stp file", Required = true };
        var output = new Option<string>("--out") { Description = "Model file to write (name.safetensors + name.json)", Required = true };
        var description = name == "convert"
            ? "Convert a model file of Stp 0.1 (.stp) to the current format (safetensors weights + JSON description)."
            : "Write a small inference-only model file (EMA weights + JSON description) from a training checkpoint.";
        var device = Common.DeviceOption();
        var cmd = new Command(name, description) { checkpoint, output, device };
        cmd.SetAction(r =>
        {
            var target = r.GetValue(output)!;
            var weights = target.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? target : target + ".safetensors";
            OptionChecks.OutputFile("--out", weights);
            OptionChecks.OutputFile("--out", Path.ChangeExtension(weights, ".json"));
            var dev = Common.ResolveDevice(r.GetValue(device)!, 0);
            using var model = Models.Load(r.GetValue(checkpoint)!, dev);
            model.Save(target);
            Console.WriteLine($"Wrote {weights} ({new FileInfo(weights).Length / 1024.0:F0} KiB) and {Path.ChangeExtension(weights, ".json")}: {Models.Summary(model)}.");
            return 0;
        });
        return cmd;
    }
}
