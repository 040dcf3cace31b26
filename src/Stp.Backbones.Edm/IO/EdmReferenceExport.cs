using System.Collections.Specialized;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stp.Codecs;
using Stp.Data;
using Stp.Diffusion;
using Stp.Models;
using Stp.Objectives;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.IO;

/// <summary>File format of <see cref="EdmReferenceExport.Write"/>.</summary>
public enum ReferenceWeightsFormat
{
    /// <summary>A <c>torch.save</c> zip of an OrderedDict, as EDM writes <c>generative_model_ema.npy</c>; read with <c>torch.load</c>.</summary>
    Pt,
    /// <summary>The same tensors under the same names in a safetensors file (<c>safetensors.torch.load_file</c>).</summary>
    Safetensors,
}

/// <summary>
/// Writes an EDM-family model (EGNN denoiser on EDM's one-hot features, unit prior, Scaling the Prior or the "-N"
/// normalisation) in the layout of the PyTorch reference: the <c>EnVariationalDiffusion.state_dict()</c> names
/// (<c>buffer</c>, <c>gamma.gamma</c>, <c>dynamics.egnn.*</c>), so it loads with <c>load_state_dict(strict=True)</c>
/// into the reference's model built from the arguments of <see cref="ReferenceArguments"/> (EDM's argparse names; the
/// StP code's <c>--StP</c> / <c>--data_norm</c> flags say the prior). Weights are the model's as loaded (EMA weights of a
/// training checkpoint).
/// </summary>
public static class EdmReferenceExport
{
    /// <summary>Why <paramref name="model"/> cannot be written in the EDM layout, or null when it can.</summary>
    public static string? Unsupported(DiffusionModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Denoiser is not EgnnDenoiser) return $"the denoiser is {model.Denoiser.GetType().Name}; only EGNN (EDM) models have a reference layout";
        var codec = model.Codec is NormalizedCoordinatesCodec n ? n.Inner : model.Codec;
        if (codec is not EdmFeatureCodec) return $"the codec is {codec.GetType().Name}; the EDM reference diffuses one-hot features directly (latent models are not EDM)";
        if (model.Objective.Target != PredictionTarget.Noise) return "this is a flow-matching model; the EDM reference only samples noise-predicting diffusion models";
        if (ScheduleName(model.BaseSchedule) is null) return $"the schedule {model.BaseSchedule} has no EDM name (polynomial_P or cosine)";
        return null;
    }

    /// <summary>
    /// The reference state dict: <c>buffer</c> (zero, shape 1), <c>gamma.gamma</c> (the schedule's gamma table, T + 1
    /// values, float32) and every EGNN entry under <c>dynamics.</c>, in that order. Tensors are new CPU copies; the
    /// caller disposes them.
    /// </summary>
    /// <exception cref="NotSupportedException">The model has no EDM layout (<see cref="Unsupported"/> says why).</exception>
    public static OrderedDictionary StateDict(DiffusionModel model)
    {
        if (Unsupported(model) is { } why) throw new NotSupportedException($"Cannot export in the EDM reference layout: {why}.");
        var gamma = Enumerable.Range(0, model.BaseSchedule.Timesteps + 1).Select(t => (float)model.BaseSchedule.Gamma(t)).ToArray();
        var dict = new OrderedDictionary
        {
            ["buffer"] = zeros(1, dtype: float32),
            ["gamma.gamma"] = tensor(gamma, dtype: float32),
        };
        foreach (var (name, value) in ((EgnnDenoiser)model.Denoiser).Module.state_dict())
            dict[EgnnDenoiser.EdmCheckpointPrefix + name] = value.detach().to(float32, CPU, copy: true);
        return dict;
    }

    /// <summary>
    /// The reference's command-line arguments that rebuild this model (<c>argparse.Namespace(**json)</c> stands in
    /// for EDM's <c>args.pickle</c>): EGNN shape, features, schedule, dataset, conditioning and the StP prior flags.
    /// </summary>
    public static JsonObject ReferenceArguments(DiffusionModel model)
    {
        if (Unsupported(model) is { } why) throw new NotSupportedException($"Cannot export in the EDM reference layout: {why}.");
        var egnn = ((EgnnDenoiser)model.Denoiser).Options;
        var codec = (EdmFeatureCodec)(model.Codec is NormalizedCoordinatesCodec n ? n.Inner : model.Codec);
        var schedule = model.BaseSchedule;
        var precision = schedule is PolynomialSchedule p ? p.Precision : 1e-5;
        var vocabulary = codec.Features.Vocabulary.Name;
        var conditioning = new JsonArray((model.Context?.Names ?? []).Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());
        return new JsonObject
        {
            ["model"] = "egnn_dynamics",
            ["probabilistic_model"] = "diffusion",
            ["diffusion_steps"] = schedule.Timesteps,
            ["diffusion_noise_schedule"] = ScheduleName(schedule),
            ["diffusion_noise_precision"] = precision,
            ["diffusion_loss_type"] = "l2",
            ["n_layers"] = egnn.Layers,
            ["nf"] = egnn.HiddenFeatures,
            ["inv_sublayers"] = egnn.InvariantSublayers,
            ["attention"] = egnn.Attention,
            ["tanh"] = egnn.Tanh,
            ["coords_range"] = egnn.CoordsRange,
            ["norm_constant"] = egnn.NormConstant,
            ["sin_embedding"] = egnn.SinEmbedding,
            ["normalization_factor"] = egnn.NormalizationFactor,
            ["aggregation_method"] = egnn.Aggregation.ToString().ToLowerInvariant(),
            ["condition_time"] = true,
            ["include_charges"] = codec.Features.IncludeAtomicNumber,
            ["normalize_factors"] = new JsonArray(codec.PositionNorm, codec.CategoricalNorm, codec.AtomicNumberNorm),
            ["dataset"] = vocabulary.StartsWith("geom", StringComparison.OrdinalIgnoreCase) ? "geom" : "qm9",
            ["conditioning"] = conditioning,
            ["context_node_nf"] = egnn.ContextCount,
            ["StP"] = model.Prior == PriorKind.ScaledPrior,
            ["data_norm"] = model.Prior == PriorKind.NormalizedCoordinates,
        };
    }

    /// <summary>
    /// Writes the reference state dict to <paramref name="path"/> (atomically) and the arguments of
    /// <see cref="ReferenceArguments"/> beside it as <c>&lt;name&gt;.args.json</c>.
    /// </summary>
    /// <returns>The arguments file written.</returns>
    /// <exception cref="NotSupportedException">The model has no EDM layout.</exception>
    public static string Write(DiffusionModel model, string path, ReferenceWeightsFormat format = ReferenceWeightsFormat.Pt)
    {
        ArgumentNullException.ThrowIfNull(path);
        var dict = StateDict(model);
        var argsPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileNameWithoutExtension(path) + ".args.json");
        try
        {
            if (format == ReferenceWeightsFormat.Pt)
            {
                var buffer = new MemoryStream();
                PyTorchPickler.PickleStateDict(buffer, dict); // closes the stream it writes
                AtomicFile.Write(path, s => s.Write(buffer.ToArray()));
            }
            else
                SafetensorsFile.Write(path, dict.Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (Tensor)e.Value!),
                    new Dictionary<string, string> { ["format"] = "pt", ["stp.layout"] = "edm" });
            AtomicFile.WriteAllText(argsPath, ReferenceArguments(model).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
        finally
        {
            foreach (var value in dict.Values) ((Tensor)value!).Dispose();
        }
        return argsPath;
    }

    private static string? ScheduleName(INoiseSchedule schedule) => schedule switch
    {
        PolynomialSchedule p => "polynomial_" + p.Power.ToString("R", CultureInfo.InvariantCulture),
        CosineSchedule c when c.Offset == 0.008 => "cosine",
        _ => null,
    };
}
