using System.CommandLine;
using Stp.Diffusion;
using Stp.Sampling;
using static TorchSharp.torch;

namespace Stp.Cli;

/// <summary>Loading models for the commands, and the sampler options every sampling command shares.</summary>
internal static class Models
{
    public static Option<string> SamplerOption() =>
        new Option<string>("--sampler") { Description = "ancestral (EDM, stochastic; default) or ddim (deterministic)", DefaultValueFactory = _ => "ancestral" }.OneOf("sampler", "ancestral", "ddim");

    public static Option<int?> StepsOption(string defaultText = "the trained T, 1000") =>
        new Option<int?>("--steps") { Description = $"Sampling steps K on a subsampled grid of the trained T (default: {defaultText}; fewer is faster and less exact)" }.InRange(1);

    public static SamplerOptions Sampler(string name, int? steps, DiffusionModel model)
    {
        if (steps is int k && (k < 1 || k > model.Schedule.Timesteps))
            throw new UsageException($"--steps must be in 1..{model.Schedule.Timesteps} (the trained T); got {k}.");
        IReverseStep step = name.ToLowerInvariant() switch
        {
            "ancestral" => AncestralStep.Instance,
            "ddim" => DdimStep.Instance,
            _ => throw new UsageException($"--sampler: unknown sampler '{name}' (ancestral, ddim)."),
        };
        return new SamplerOptions { ReverseStep = step, Steps = steps };
    }

    /// <summary>Loads a model file or a training checkpoint with its EMA weights.</summary>
    public static DiffusionModel Load(string path, Device device)
    {
        if (!File.Exists(path) && !File.Exists(path + ".safetensors")) throw new FileNotFoundException($"Model file not found: {path}", path);
        return DiffusionModel.Load(path, device);
    }

    public static string Dataset(DiffusionModel model) => model.Codec.Features.Vocabulary.Name;

    public static long ParameterCount(DiffusionModel model) => model.Parts.Sum(p => p.Module.parameters().Sum(t => t.numel()));

    public static string Summary(DiffusionModel model)
    {
        var backbone = model.Denoiser is Backbones.Edm.EgnnDenoiser e ? $"EGNN nf {e.Options.HiddenFeatures}, {e.Options.Layers} layers" : model.Denoiser.GetType().Name;
        if (model.Codec.Module is not null) backbone += $", codec {(model.Codec is Codecs.NormalizedCoordinatesCodec n ? n.Inner : model.Codec).GetType().Name}";
        return $"{backbone}, {ParameterCount(model):N0} parameters, prior {Common.PriorName(model.Prior)}, {Dataset(model)}";
    }
}
