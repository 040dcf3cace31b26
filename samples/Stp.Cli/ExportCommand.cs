using System.CommandLine;
using Stp.Training;

namespace Stp.Cli;

internal static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Training checkpoint", Required = true };
        var output = new Option<string>("--out") { Description = "Inference-only model file (EMA weights, no optimizer state)", Required = true };
        var cmd = new Command("export", "Write a small inference-only model file (EMA weights) from a training checkpoint.") { checkpoint, output };
        cmd.SetAction(r =>
        {
            var (spec, den, _, meta) = ModelSpec.Load(r.GetValue(checkpoint)!, TorchSharp.torch.CPU);
            Checkpoint.WriteInference(r.GetValue(output)!, meta.Where(kv => kv.Key is not "clip_history").ToDictionary(kv => kv.Key, kv => kv.Value), den.Module);
            Console.WriteLine($"Wrote {r.GetValue(output)} ({new FileInfo(r.GetValue(output)!).Length / 1024.0:F0} KiB, step {meta["step"]}, {den.ParameterCount:N0} parameters).");
            den.Dispose();
            return 0;
        });
        return cmd;
    }
}
