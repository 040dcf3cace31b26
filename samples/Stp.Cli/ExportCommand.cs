using System.CommandLine;
using Stp.Backbones.Edm.IO;

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
        var format = new Option<string>("--format")
        {
            Description = "stp (default: Stp's model file), or pt / safetensors: the weights under the PyTorch reference's state_dict names (EDM layout: buffer, gamma.gamma, dynamics.*) plus <name>.args.json with the reference's arguments (EGNN models only)",
            DefaultValueFactory = _ => "stp",
        }.OneOf("format", "stp", "pt", "safetensors");
        var device = Common.DeviceOption();
        var cmd = new Command(name, description) { checkpoint, output, device };
        if (name == "export") cmd.Options.Add(format);
        cmd.SetAction(r =>
        {
            var target = r.GetValue(output)!;
            var kind = name == "export" ? r.GetValue(format)! : "stp";
            var dev = Common.ResolveDevice(r.GetValue(device)!, 0);
            if (kind != "stp") return ExportReference(r.GetValue(checkpoint)!, target, kind, dev);
            var weights = target.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? target : target + ".safetensors";
            OptionChecks.OutputFile("--out", weights);
            OptionChecks.OutputFile("--out", Path.ChangeExtension(weights, ".json"));
            using var model = Models.Load(r.GetValue(checkpoint)!, dev);
            model.Save(target);
            Console.WriteLine($"Wrote {weights} ({new FileInfo(weights).Length / 1024.0:F0} KiB) and {Path.ChangeExtension(weights, ".json")}: {Models.Summary(model)}.");
            return 0;
        });
        return cmd;
    }

    private static int ExportReference(string checkpoint, string target, string kind, TorchSharp.torch.Device device)
    {
        var format = kind == "pt" ? ReferenceWeightsFormat.Pt : ReferenceWeightsFormat.Safetensors;
        OptionChecks.OutputFile("--out", target);
        using var model = Models.Load(checkpoint, device); // the export copies the weights to the CPU
        if (EdmReferenceExport.Unsupported(model) is { } why) throw new UsageException($"--format {kind}: {why}.");
        var args = EdmReferenceExport.Write(model, target, format);
        Console.WriteLine($"Wrote {target} ({new FileInfo(target).Length / 1024.0:F0} KiB, EDM state_dict names) and {args} (the reference's arguments): {Models.Summary(model)}.");
        Console.WriteLine(kind == "pt"
            ? "In the reference code: model.load_state_dict(torch.load(path), strict=True) on get_model(argparse.Namespace(**json.load(open(args_file))), ...)."
            : "In Python: safetensors.torch.load_file(path) gives the same state dict as torch.load of a .pt export.");
        return 0;
    }
}
