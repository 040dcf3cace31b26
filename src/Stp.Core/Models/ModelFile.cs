using Stp.Data;
using TorchSharp;
using Stp.Diffusion;
using static TorchSharp.torch;

namespace Stp.Models;

/// <summary>
/// Model files: <c>name.safetensors</c> (the weights to sample with, keys "denoiser.*" / "codec.*", the description in
/// the header metadata) and <c>name.json</c> (the same description, for people). Training checkpoints are the same
/// file plus the live weights ("raw.*"), the optimizer state and the trainer state, so a checkpoint loads as a model.
/// The first release's <c>.stp</c> files are read too.
/// </summary>
internal static class ModelFile
{
    public const string FormatKey = "stp.format", ModelKey = "stp.model", TrainerKey = "stp.trainer", UserKey = "stp.user";
    public const string RawPrefix = "raw.", OptimizerPrefix = "optimizer.";

    /// <summary>The weights file of a model path (".safetensors" added unless given; a ".json" path names its weights).</summary>
    public static string WeightsPath(string path) =>
        path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? Path.ChangeExtension(path, ".safetensors")
        : File.Exists(path) || path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".stp", StringComparison.OrdinalIgnoreCase) ? path
        : path + ".safetensors";

    public static void Save(DiffusionModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var description = ModelDescription.Of(model);
        var weights = WeightsPath(path);
        SafetensorsFile.Write(weights, Weights(model), new Dictionary<string, string>
        {
            [FormatKey] = "model",
            [ModelKey] = description.ToJson(indented: false),
        });
        AtomicFile.WriteAllText(Path.ChangeExtension(weights, ".json"), description.ToJson());
    }

    /// <summary>
    /// Loads a model file. In order, so that nothing large is allocated for a file that cannot load: the header (the
    /// description and the tensor shapes), the description's own checks and its sizes against the shapes
    /// (<see cref="ModelDescription.CheckWeights"/>), then the tensor data (each tensor within the file's length,
    /// checksummed and finite), then the model is built and filled.
    /// </summary>
    /// <exception cref="DataFileException">Anything wrong with the file's content; the message names the file (and tensor or entry).</exception>
    public static DiffusionModel Load(string path, Device device)
    {
        ArgumentNullException.ThrowIfNull(path);
        var weights = WeightsPath(path);
        if (Directory.Exists(weights)) throw new FileNotFoundException($"{weights} is a folder, not a model file.", weights);
        if (!File.Exists(weights)) throw new FileNotFoundException($"Model file not found: {path}", path);
        ModelDescription description;
        Dictionary<string, Tensor> tensors;
        if (LegacyModelFile.IsLegacy(weights))
        {
            (description, tensors, _) = LegacyModelFile.Read(weights);
            try { AsFileProblem(weights, () => description.CheckWeights(tensors.ToDictionary(kv => kv.Key, kv => kv.Value.shape), weights)); }
            catch { foreach (var t in tensors.Values) t.Dispose(); throw; }
        }
        else
        {
            var (meta, shapes) = SafetensorsFile.ReadHeader(weights);
            // The description embedded in the weights file is the source of truth (written atomically with them);
            // the JSON beside it is for people.
            description = meta.TryGetValue(ModelKey, out var json) ? ModelDescription.FromJson(json, weights)
                : throw new DataFileException(weights, "holds no model description (not written by Stp, or a checkpoint of a custom model)");
            AsFileProblem(weights, () => description.CheckWeights(shapes, weights));
            tensors = SafetensorsFile.Read(weights, k => !k.StartsWith(RawPrefix, StringComparison.Ordinal) && !k.StartsWith(OptimizerPrefix, StringComparison.Ordinal)).Tensors;
        }
        try
        {
            var model = AsFileProblem(weights, () => description.Build(device));
            try
            {
                foreach (var part in model.Parts) StateDict.Load(part.Module, tensors, part.Name + ".", weights);
                foreach (var part in model.Parts) part.Module.to(device);
                return model;
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Runs a step of loading a checked description (checking it against the weights, building it) and reports a value
    /// its components refuse, or a component that cannot be found, as a problem of the file.
    /// </summary>
    private static T AsFileProblem<T>(string source, Func<T> step)
    {
        try { return step(); }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or System.Text.Json.JsonException or InvalidOperationException
            or FormatException or OverflowException && e is not DataFileException)
        {
            throw new DataFileException(source, $"the model description cannot be used: {e.Message.TrimEnd('.')}", inner: e);
        }
    }

    private static void AsFileProblem(string source, Action step) => AsFileProblem(source, () => { step(); return 0; });

    /// <summary>The state dicts of every part, keyed "part.name" (parameters and buffers).</summary>
    public static Dictionary<string, Tensor> Weights(DiffusionModel model)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var part in model.Parts)
            foreach (var (name, t) in StateDict.Entries(part.Module)) result[part.Name + "." + name] = t;
        return result;
    }
}
