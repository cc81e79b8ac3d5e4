using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace Cordon.Server.Records;

/// <summary>
/// The fast path of the R4 structure check: one pass of a <see cref="Utf8JsonReader"/> over the resource against
/// tables built once from the Firely SDK's R4 class mappings (element names with their choice suffixes, which are
/// arrays, which are required, each primitive's format, the codes of every required binding). It answers only
/// "conforms" or "not sure": it accepts a strict subset of what the SDK's strict deserializer accepts (anything it
/// does not check itself — a narrative, a primitive's extension, an unusual date form — makes it unsure), and the
/// caller then asks the SDK, which decides and explains. So the answer never differs from the SDK's; only the time
/// to reach it does.
/// </summary>
internal static class FhirShape
{
    private static readonly ConcurrentDictionary<ClassMapping, Shape> Shapes = new();
    private static readonly FrozenDictionary<string, Primitive> PrimitiveKinds = new Dictionary<string, Primitive>(StringComparer.Ordinal)
    {
        ["boolean"] = Primitive.Boolean,
        ["integer"] = Primitive.Integer,
        ["positiveInt"] = Primitive.PositiveInt,
        ["unsignedInt"] = Primitive.UnsignedInt,
        ["decimal"] = Primitive.Decimal,
        ["string"] = Primitive.String,
        ["markdown"] = Primitive.String,
        ["code"] = Primitive.Code,
        ["id"] = Primitive.Id,
        ["uri"] = Primitive.Uri,
        ["url"] = Primitive.Uri,
        ["canonical"] = Primitive.Uri,
        ["oid"] = Primitive.Uri,
        ["uuid"] = Primitive.Uri,
        ["date"] = Primitive.Date,
        ["dateTime"] = Primitive.DateTime,
        ["instant"] = Primitive.Instant,
        ["time"] = Primitive.Time,
        ["base64Binary"] = Primitive.Base64,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private enum Primitive : byte
    {
        /// <summary>Not a primitive this path checks (xhtml): unsure.</summary>
        Unchecked,
        Boolean,
        Integer,
        PositiveInt,
        UnsignedInt,
        Decimal,
        String,
        Code,
        Id,
        Uri,
        Date,
        DateTime,
        Instant,
        Time,
        Base64,
    }

    /// <summary>One element as it may appear in JSON under its (suffixed) name.</summary>
    private sealed class Element(int property, bool collection, ClassMapping? complex, Primitive primitive, FrozenSet<string>? codes, bool resource)
    {
        /// <summary>The index of the element's property in its class: a choice's suffixed names share one.</summary>
        public int Property { get; } = property;

        public bool Collection { get; } = collection;

        /// <summary>The complex type's mapping, null for a primitive or a resource.</summary>
        public ClassMapping? Complex { get; } = complex;

        public Primitive Primitive { get; } = primitive;

        /// <summary>The codes of a required binding (Code&lt;T&gt;), else null.</summary>
        public FrozenSet<string>? Codes { get; } = codes;

        /// <summary>A contained resource (its type is its resourceType).</summary>
        public bool Resource { get; } = resource;
    }

    private sealed class Shape
    {
        public required Dictionary<string, Element>.AlternateLookup<ReadOnlySpan<char>> Elements { get; init; }

        /// <summary>The properties that must be present, a bit per property index.</summary>
        public required ulong[] Mandatory { get; init; }

        public int Words => Mandatory.Length;
    }

    /// <summary>Whether <paramref name="json"/> certainly conforms to the R4 structure of <paramref name="resourceType"/>; false means "ask the SDK".</summary>
    public static bool Conforms(ReadOnlySpan<byte> json, string resourceType)
    {
        var mapping = ModelInfo.ModelInspector.FindClassMapping(resourceType);
        if (mapping is not { IsResource: true })
        {
            return false;
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && Resource(ref reader, mapping) && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>A resource object whose resourceType must be <paramref name="expected"/> (or any resource, when null); the reader is on its StartObject.</summary>
    private static bool Resource(ref Utf8JsonReader reader, ClassMapping? expected)
    {
        // resourceType decides the type; read ahead on a copy so the members can be checked in one pass after it.
        var probe = reader;
        string? resourceType = null;
        while (probe.Read() && probe.TokenType == JsonTokenType.PropertyName)
        {
            var isType = probe.ValueTextEquals("resourceType"u8);
            if (!probe.Read())
            {
                return false;
            }

            if (isType)
            {
                resourceType = probe.TokenType == JsonTokenType.String ? probe.GetString() : null;
                break;
            }

            probe.Skip();
        }

        if (resourceType is null)
        {
            return false;
        }

        var mapping = expected ?? ModelInfo.ModelInspector.FindClassMapping(resourceType);
        return mapping is { IsResource: true, IsAbstract: not true } && mapping.Name == resourceType && Object(ref reader, mapping, isResource: true);
    }

    /// <summary>An object of the class <paramref name="mapping"/>; the reader is on its StartObject and ends on its EndObject.</summary>
    private static bool Object(ref Utf8JsonReader reader, ClassMapping mapping, bool isResource = false)
    {
        var shape = ShapeOf(mapping);
        if (shape.Words > 4)
        {
            return false;
        }

        Span<char> name = stackalloc char[64];
        Span<ulong> seen = stackalloc ulong[shape.Words];
        seen.Clear();
        var members = 0;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                for (var w = 0; w < seen.Length; w++)
                {
                    if ((seen[w] & shape.Mandatory[w]) != shape.Mandatory[w])
                    {
                        return false;
                    }
                }

                return members > 0;
            }

            if (reader.TokenType != JsonTokenType.PropertyName || reader.ValueIsEscaped || reader.ValueSpan.Length > name.Length)
            {
                return false;
            }

            members++;
            var length = Encoding.UTF8.GetChars(reader.ValueSpan, name);
            var key = name[..length];
            if (!reader.Read())
            {
                return false;
            }

            if (isResource && key.SequenceEqual("resourceType"))
            {
                if (reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                continue;
            }

            if (!shape.Elements.TryGetValue(key, out var element))
            {
                return false;
            }

            // A property seen twice (a repeated member, or two types of one choice) is the SDK's to judge.
            ref var word = ref seen[element.Property >> 6];
            var bit = 1UL << (element.Property & 63);
            if ((word & bit) != 0)
            {
                return false;
            }

            word |= bit;

            if (element.Collection)
            {
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    return false;
                }

                var items = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items++;
                    if (!Value(ref reader, element))
                    {
                        return false;
                    }
                }

                if (items == 0)
                {
                    return false;
                }
            }
            else if (!Value(ref reader, element))
            {
                return false;
            }
        }

        return false;
    }

    private static bool Value(ref Utf8JsonReader reader, Element element)
    {
        if (element.Resource)
        {
            return reader.TokenType == JsonTokenType.StartObject && Resource(ref reader, null);
        }

        if (element.Complex is { } complex)
        {
            return reader.TokenType == JsonTokenType.StartObject && Object(ref reader, complex);
        }

        return PrimitiveValue(ref reader, element);
    }

    private static bool PrimitiveValue(ref Utf8JsonReader reader, Element element)
    {
        switch (element.Primitive)
        {
            case Primitive.Boolean:
                return reader.TokenType is JsonTokenType.True or JsonTokenType.False;
            case Primitive.Decimal:
                return reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out _);
            case Primitive.Integer:
            case Primitive.PositiveInt:
            case Primitive.UnsignedInt:
                {
                    // R4 integers are 32-bit, written without fraction or exponent, and not as -0.
                    if (reader.TokenType != JsonTokenType.Number || reader.ValueSpan.IndexOfAny(".eE"u8) >= 0 || !reader.TryGetInt32(out var n) || (n == 0 && reader.ValueSpan[0] == (byte)'-'))
                    {
                        return false;
                    }

                    return element.Primitive switch
                    {
                        Primitive.PositiveInt => n > 0,
                        Primitive.UnsignedInt => n >= 0,
                        _ => true,
                    };
                }
        }

        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped)
        {
            // An escaped string is rare in FHIR; the SDK judges it.
            return false;
        }

        var value = reader.ValueSpan;
        if (value.Length == 0 || value.Length > 1_000_000 || IsSpace(value[0]) || IsSpace(value[^1]))
        {
            return false;
        }

        // Codes and URIs are judged here only in ASCII: the SDK's patterns know Unicode white space.
        return element.Primitive switch
        {
            Primitive.String => true,
            Primitive.Code => IsAscii(value) && (element.Codes is { } codes ? codes.Contains(Encoding.ASCII.GetString(value)) : !HasDoubleSpaceOrControl(value)),
            Primitive.Id => value.Length <= 64 && IsId(value),
            Primitive.Uri => IsAscii(value) && value.IndexOfAny(" \t\r\n"u8) < 0 && !HasDoubleSpaceOrControl(value),
            Primitive.Date => IsDate(value),
            Primitive.DateTime => IsDateTime(value, instant: false),
            Primitive.Instant => IsDateTime(value, instant: true),
            Primitive.Time => IsTime(value),
            Primitive.Base64 => IsBase64(value),
            _ => false,
        };
    }

    private static bool IsAscii(ReadOnlySpan<byte> value) => System.Text.Ascii.IsValid(value);

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    private static bool HasDoubleSpaceOrControl(ReadOnlySpan<byte> value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] < 0x20 || (value[i] == (byte)' ' && i + 1 < value.Length && value[i + 1] == (byte)' '))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsId(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>YYYY, YYYY-MM or YYYY-MM-DD, a real day of a year from 1000.</summary>
    private static bool IsDate(ReadOnlySpan<byte> v) => v.Length switch
    {
        4 => Digits(v) && v[0] != (byte)'0',
        7 => Digits(v[..4]) && v[0] != (byte)'0' && v[4] == (byte)'-' && Digits(v[5..]) && Number(v[5..]) is >= 1 and <= 12,
        10 => v[0] != (byte)'0' && DateOnly.TryParseExact(Encoding.ASCII.GetString(v), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        _ => false,
    };

    /// <summary>A date, or (for an instant, only) a full date and time with seconds and a zone: 2026-10-01T09:30:00+08:00, …Z, with optional fractions.</summary>
    private static bool IsDateTime(ReadOnlySpan<byte> v, bool instant)
    {
        if (v.Length <= 10)
        {
            return !instant && IsDate(v);
        }

        if (v.Length < 20 || v[10] != (byte)'T' || !IsDate(v[..10]) || !IsTime(v[11..19]))
        {
            return false;
        }

        var rest = v[19..];
        if (rest.Length > 0 && rest[0] == (byte)'.')
        {
            var digits = 1;
            while (digits < rest.Length && char.IsAsciiDigit((char)rest[digits]))
            {
                digits++;
            }

            if (digits == 1)
            {
                return false;
            }

            rest = rest[digits..];
        }

        // Z, or an offset up to ±14:00 (R4's pattern: 00–13 hours with any minutes, or exactly 14:00).
        return rest.SequenceEqual("Z"u8)
            || (rest.Length == 6 && rest[0] is (byte)'+' or (byte)'-' && Digits(rest[1..3]) && rest[3] == (byte)':' && Digits(rest[4..])
                && Number(rest[4..]) <= 59 && (Number(rest[1..3]) <= 13 || (Number(rest[1..3]) == 14 && Number(rest[4..]) == 0)));
    }

    /// <summary>HH:MM:SS.</summary>
    private static bool IsTime(ReadOnlySpan<byte> v)
        => v.Length == 8 && Digits(v[..2]) && v[2] == (byte)':' && Digits(v[3..5]) && v[5] == (byte)':' && Digits(v[6..8])
           && Number(v[..2]) <= 23 && Number(v[3..5]) <= 59 && Number(v[6..8]) <= 59;

    private static bool IsBase64(ReadOnlySpan<byte> v)
        => v.Length % 4 == 0 && v.IndexOfAny(" \t\r\n"u8) < 0 && System.Buffers.Text.Base64.IsValid(v);

    private static bool Digits(ReadOnlySpan<byte> v)
    {
        foreach (var b in v)
        {
            if (!char.IsAsciiDigit((char)b))
            {
                return false;
            }
        }

        return true;
    }

    private static int Number(ReadOnlySpan<byte> v)
    {
        var n = 0;
        foreach (var b in v)
        {
            n = (n * 10) + (b - '0');
        }

        return n;
    }

    private static Shape ShapeOf(ClassMapping mapping) => Shapes.GetOrAdd(mapping, Build);

    private static Shape Build(ClassMapping mapping)
    {
        var elements = new Dictionary<string, Element>(StringComparer.Ordinal);
        var properties = mapping.PropertyMappings.Where(p => !p.RepresentsValueElement).ToList();
        var mandatory = new ulong[Math.Max(1, (properties.Count + 63) / 64)];
        for (var index = 0; index < properties.Count; index++)
        {
            var property = properties[index];
            if (property.Choice == ChoiceType.DatatypeChoice)
            {
                foreach (var type in property.FhirType)
                {
                    var typeMapping = ModelInfo.ModelInspector.FindOrImportClassMapping(type);
                    if (typeMapping is null || string.IsNullOrEmpty(typeMapping.Name))
                    {
                        continue;
                    }

                    var json = property.Name + char.ToUpperInvariant(typeMapping.Name[0]) + typeMapping.Name[1..];
                    elements[json] = ElementOf(index, property.IsCollection, typeMapping, null);
                }
            }
            else if (property.Choice == ChoiceType.ResourceChoice)
            {
                elements[property.Name] = new Element(index, property.IsCollection, null, Primitive.Unchecked, null, resource: true);
            }
            else
            {
                elements[property.Name] = ElementOf(index, property.IsCollection, property.PropertyTypeMapping, property.ImplementingType);
            }

            if (property.IsMandatoryElement)
            {
                mandatory[index >> 6] |= 1UL << (index & 63);
            }
        }

        return new Shape { Elements = elements.GetAlternateLookup<ReadOnlySpan<char>>(), Mandatory = mandatory };
    }

    private static Element ElementOf(int index, bool collection, ClassMapping typeMapping, Type? implementing)
    {
        if (typeMapping.IsResource)
        {
            return new Element(index, collection, null, Primitive.Unchecked, null, resource: true);
        }

        if (!typeMapping.IsFhirPrimitive)
        {
            return new Element(index, collection, typeMapping, Primitive.Unchecked, null, resource: false);
        }

        var kind = PrimitiveKinds.GetValueOrDefault(typeMapping.Name, Primitive.Unchecked);
        FrozenSet<string>? codes = null;
        if (implementing is { IsGenericType: true } && implementing.GetGenericTypeDefinition() == typeof(Code<>))
        {
            var enumType = implementing.GetGenericArguments()[0];
            codes = Enum.GetValues(enumType).Cast<Enum>().Select(e => e.GetLiteral()).Where(l => !string.IsNullOrEmpty(l)).ToFrozenSet(StringComparer.Ordinal);
        }

        return new Element(index, collection, null, kind, codes, resource: false);
    }
}
