using System.Text.Json;
using Stp.Models;

[assembly: ModelComponentFactory(typeof(Stp.Backbones.Radm.DitDenoiserFactory))]

namespace Stp.Backbones.Radm;

/// <summary>
/// Rebuilds a <see cref="DitDenoiser"/> from a model file's description (type "radm.dit", options = the
/// <see cref="DitOptions"/> as JSON, plus <c>"trainable": false</c> for a DiT frozen in RADM's autoencoder stage). Announced to <see cref="ModelComponents"/> by an assembly attribute.
/// </summary>
public sealed class DitDenoiserFactory : IModelComponentFactory
{
    /// <summary>The component type id.</summary>
    public const string TypeId = "radm.dit";

    /// <inheritdoc />
    public string Type => TypeId;

    /// <inheritdoc />
    public object Create(ComponentDescription description, ModelBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = ReadOptions(description);
        return ComponentOptions.Read("DiT", () => new DitDenoiser(options, context.Device) { Trainable = description.Options?["trainable"]?.GetValue<bool>() ?? true });
    }

    /// <inheritdoc />
    public void CheckWeights(ComponentDescription description, IReadOnlyDictionary<string, long[]> shapes, string source)
    {
        var options = ReadOptions(description);
        WeightShapes.ExpectDimension(shapes, "in_embedder.weight", 0, options.HiddenSize, "hiddenSize", source);
        WeightShapes.ExpectCount(shapes, "blocks.", options.Depth, "depth", source);
    }

    private static DitOptions ReadOptions(ComponentDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        return ComponentOptions.Read("DiT", () => description.Options?.Deserialize<DitOptions>(ModelDescription.JsonOptions) ?? DitOptions.Base());
    }

    /// <summary>The description of a DiT with <paramref name="options"/> (frozen when <paramref name="trainable"/> is false).</summary>
    public static ComponentDescription Describe(DitOptions options, bool trainable = true)
    {
        var o = JsonSerializer.SerializeToNode(options, ModelDescription.JsonOptions)!.AsObject();
        if (!trainable) o["trainable"] = false;
        return new(TypeId, o, typeof(DitDenoiserFactory).Assembly.GetName().Name);
    }
}
