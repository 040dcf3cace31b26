using System.Reflection;
using BenchmarkDotNet.Running;
using Stp.Benchmarks;

if (args.Length > 0 && args[0] == "egnn-memory") return EgnnMemoryProbe.Run(args[1..]);
if (args.Length > 0 && args[0] == "latent-difference") return GeoLdmLatentProbe.Run(args[1..]);
if (args.Length > 0 && args[0] == "train-memory") return DiffusionMemoryProbe.Run(args[1..]);
if (args.Length > 0 && args[0] == "dit-step") return DitStepProbe.Run(args[1..]);
if (args.Length > 0 && args[0] == "edge-ops") return EdgeOpsProbe.Run(args[1..]);
if (args.Length > 0 && args[0] == "train-step") return TrainingStepProbe.Run(args[1..]);
if (args.Length > 0 && args[0] == "sample-plan") return SamplingThroughputProbe.Run(args[1..]);
// An out-of-process job builds a generated project that references this one: build it with the same native runtime
// (MSBuild reads environment variables as properties, so the CUDA build of this program builds CUDA benchmarks).
if (typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Any(a => a.Key == "StpCuda" && a.Value == "true"))
    Environment.SetEnvironmentVariable("StpCuda", "true");
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return BenchmarkOutcome.ExitCode(summaries, Console.Error);
