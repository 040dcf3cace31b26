using System.Collections.Concurrent;
using System.Reflection;
using Stp.Codecs;

[assembly: Stp.Models.ModelComponentFactory(typeof(Stp.Models.EdmFeatureCodecFactory))]

namespace Stp.Models;

/// <summary>
/// The registry of component factories that rebuild models from their descriptions. Factories are registered
/// explicitly (<see cref="Register"/>) or found on demand: the assembly named in a description is loaded and its
/// <see cref="ModelComponentFactoryAttribute"/>s are registered.
/// </summary>
public static class ModelComponents
{
    private static readonly ConcurrentDictionary<string, IModelComponentFactory> Factories = new(StringComparer.Ordinal);

    static ModelComponents() => RegisterAssembly(typeof(ModelComponents).Assembly);

    /// <summary>Registers (or replaces) the factory for its type id.</summary>
    public static void Register(IModelComponentFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Factories[factory.Type] = factory;
    }

    /// <summary>Registers every factory an assembly announces with <see cref="ModelComponentFactoryAttribute"/>.</summary>
    public static void RegisterAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        foreach (var a in assembly.GetCustomAttributes<ModelComponentFactoryAttribute>())
            if (Activator.CreateInstance(a.FactoryType) is IModelComponentFactory f) Factories.TryAdd(f.Type, f);
    }

    /// <summary>Builds the component a description names (throws naming the type and the missing package otherwise).</summary>
    public static T Create<T>(ComponentDescription description, ModelBuildContext context) where T : class
    {
        var factory = Resolve(description);
        return factory.Create(description, context) as T
            ?? throw new InvalidDataException($"The factory for '{description.Type}' did not build a {typeof(T).Name}.");
    }

    /// <summary>
    /// Checks a description against the shapes a model file holds for it, through its factory's
    /// <see cref="IModelComponentFactory.CheckWeights"/>, before anything is built.
    /// </summary>
    public static void CheckWeights(ComponentDescription description, IReadOnlyDictionary<string, long[]> shapes, string source) =>
        Resolve(description).CheckWeights(description, shapes, source);

    /// <summary>
    /// For a description that names no assembly (a configuration file, hand-written JSON): registers the factories of
    /// every loaded assembly, then of the Stp.*.dll assemblies beside the application (a referenced backbone package
    /// whose types were not touched yet is not loaded).
    /// </summary>
    private static void Discover()
    {
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
            if (!assembly.IsDynamic) RegisterAssembly(assembly);
        var loaded = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        IEnumerable<string> candidates;
        try { candidates = Directory.EnumerateFiles(AppContext.BaseDirectory, "Stp.*.dll").ToList(); }
        catch (IOException) { return; }
        catch (UnauthorizedAccessException) { return; }
        foreach (var file in candidates)
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (loaded.Contains(name)) continue;
            try { RegisterAssembly(Assembly.Load(new AssemblyName(name))); }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException) { }
        }
    }

    /// <summary>The factory of a description's type, loading the assembly it names when needed.</summary>
    private static IModelComponentFactory Resolve(ComponentDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (!Factories.TryGetValue(description.Type, out var factory) && description.Assembly is { } name)
        {
            try { RegisterAssembly(Assembly.Load(name)); }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException or ArgumentException)
            {
                throw new InvalidDataException($"The model needs component '{description.Type}' from assembly {name}, which cannot be loaded: add its package (e.g. dotnet add package {name}).", e);
            }
            Factories.TryGetValue(description.Type, out factory);
        }
        if (factory is null && description.Assembly is null)
        {
            Discover();
            Factories.TryGetValue(description.Type, out factory);
        }
        return factory ?? throw new InvalidDataException($"No factory is registered for component type '{description.Type}'{(description.Assembly is { } n ? $" (assembly {n})" : "")}: reference the backbone package that provides it (e.g. Stp.Backbones.Edm for edm.egnn), name it as the description's Assembly, or register a factory with ModelComponents.Register.");
    }
}
