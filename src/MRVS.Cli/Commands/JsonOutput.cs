using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MRVS.Cli.Commands;

/// <summary>--json: the command's result as one JSON document on stdout.</summary>
public static class JsonOutput
{
    public static void Write(Action<Stream> write)
    {
        using var buffer = new MemoryStream();
        write(buffer);
        Console.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    public static void Object(Action<Utf8JsonWriter> fields) => Write(stream =>
    {
        using var j = new Utf8JsonWriter(stream,
            new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        j.WriteStartObject();
        fields(j);
        j.WriteEndObject();
    });
}
