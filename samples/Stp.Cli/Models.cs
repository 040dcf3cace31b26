using System.CommandLine;
using Stp.Diffusion;
using Stp.Sampling;
using static TorchSharp.torch;

namespace Stp.Cli;

/// <summary>Loading models for the commands, and the sampler options every sampling command shares.</summary>
internal static class Models
{
    public static Option<string?> SamplerOption() => CommaList(new Option<string?>("--sampler")
    {
        Description = "ancestral (EDM, stochastic) or ddim (deterministic) for diffusion models; euler or heun (ODE) for flow-matching models. Default: ancestral, or heun over 50 steps for a flow model (analyze --steps-sweep: a comma-separated list)",
    }, name => name.ToLowerInvariant() is "ancestral" or "ddim" or "euler" or "heun", name => $"--sampler: unknown sampler '{name}' (ancestral, ddim, euler, heun).");

    /// <summary>Validates every comma-separated item of the option's value.</summary>
    private static Option<string?> CommaList(Option<string?> option, Func<string, bool> valid, Func<string, string> error)
    {
        option.Validators.Add(r =>
        {
            var value = r.Tokens.Count > 0 ? r.Tokens[^1].Value : null;
            foreach (var name in value?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [])
                if (!valid(name)) r.AddError(error(name));
        });
        return option;
    }

    public static Option<int?> StepsOption(string defaultText = "the trained T, 1000") =>
        new Option<int?>("--steps") { Description = $"Sampling steps K on a subsampled grid of the trained T (default: {defaultText}; fewer is faster and less exact)" }.InRange(1);

    /// <summary>--spacing: how K &lt; T sampling steps are spread (analyze --steps-sweep: a comma-separated list).</summary>
    public static Option<string?> SpacingOption() => CommaList(new Option<string?>("--spacing")
    {
        Description = "How --steps below the trained T are spread: uniform (t_k = k T / K; default), quadratic (t_k = T (k/K)^2, closer together near the data) or an exponent rho in [1, 10] (t_k = T (k/K)^rho) (analyze --steps-sweep: a comma-separated list)",
    }, name => TryParseSpacing(name, out _), name => $"--spacing: unknown spacing '{name}' (uniform, quadratic, or an exponent in [1, 10]).");

    public static bool TryParseSpacing(string? name, out TimestepSpacing spacing)
    {
        spacing = TimestepSpacing.Uniform;
        switch (name?.ToLowerInvariant())
        {
            case null or "uniform": return true;
            case "quadratic": spacing = TimestepSpacing.Quadratic; return true;
        }
        if (!double.TryParse(name, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var rho) || rho is not (>= 1 and <= 10)) return false;
        spacing = new TimestepSpacing(rho);
        return true;
    }

    public static SamplerOptions Sampler(string? name, int? steps, DiffusionModel model, string? spacing = null)
    {
        if (!TryParseSpacing(spacing, out var grid)) throw new UsageException($"--spacing: unknown spacing '{spacing}' (uniform, quadratic, or an exponent in [1, 10]).");
        if (steps is int k && (k < 1 || k > model.Schedule.Timesteps))
            throw new UsageException($"--steps must be in 1..{model.Schedule.Timesteps} (the trained T); got {k}.");
        var defaults = SamplerOptions.For(model);
        IReverseStep step;
        try { step = name is null ? defaults.ReverseStep : SamplerOptions.StepNamed(name); }
        catch (ArgumentException) { throw new UsageException($"--sampler: unknown sampler '{name}' (ancestral, ddim, euler, heun)."); }
        if (step.Expects != model.Objective.Target)
            throw new UsageException(model.Objective.Target == Objectives.PredictionTarget.Velocity
                ? $"--sampler {step.Name}: this is a flow-matching model; use --sampler euler or heun."
                : $"--sampler {step.Name}: this model predicts noise (diffusion); use --sampler ancestral or ddim.");
        return new SamplerOptions { ReverseStep = step, Steps = steps ?? (name is null ? defaults.Steps : null), Spacing = grid };
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
        var objective = model.Objective.Target == Objectives.PredictionTarget.Velocity ? ", flow matching" : "";
        return $"{backbone}, {ParameterCount(model):N0} parameters, prior {Common.PriorName(model.Prior)}{objective}, {Dataset(model)}";
    }
}
