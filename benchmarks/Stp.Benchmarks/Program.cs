using BenchmarkDotNet.Running;
using Stp.Benchmarks;

if (args.Length > 0 && args[0] == "egnn-memory") return EgnnMemoryProbe.Run(args[1..]);
if (args.Length > 0 && args[0] == "latent-difference") return GeoLdmLatentProbe.Run(args[1..]);
if (args.Length > 0 && args[0] == "train-memory") return DiffusionMemoryProbe.Run(args[1..]);
if (args.Length > 0 && args[0] == "dit-step") return DitStepProbe.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
