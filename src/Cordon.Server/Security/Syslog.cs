using System.Globalization;
using System.Text;
using Cordon.Core.Security;

namespace Cordon.Server.Security;

/// <summary>
/// An access-log entry as an RFC 5424 syslog message: facility local0 (16), severity informational (6) for answers
/// below 500 and error (3) for server errors; the fields as structured data (SD-ID <c>access@32473</c>, the example
/// enterprise number until the operator's own is set), parameter values escaped as the RFC requires.
/// </summary>
/// <remarks>
/// Syslog over the operator's collector (rsyslog, syslog-ng, Fluent Bit, Vector) is what a hospital's security team
/// already runs, and needs no library or agent on Cordon's side; OpenTelemetry logs would add the OTLP exporter and a
/// collector for one stream. The pull endpoint lets the collector fetch by time window; nothing calls abroad.
/// </remarks>
public static class Syslog
{
    public static string Line(AccessLogEntry e, string host)
    {
        var priority = 16 * 8 + (e.Status >= 500 ? 3 : 6);
        var text = new StringBuilder(256);
        text.Append('<').Append(priority.ToString(CultureInfo.InvariantCulture)).Append(">1 ")
            .Append(e.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append(' ')
            .Append(Token(host)).Append(" cordon - access [access@32473");
        Param(text, "method", e.Method);
        Param(text, "route", e.Route);
        Param(text, "status", e.Status.ToString(CultureInfo.InvariantCulture));
        Param(text, "bytes", e.Bytes.ToString(CultureInfo.InvariantCulture));
        Param(text, "latencyUs", e.LatencyMicroseconds.ToString(CultureInfo.InvariantCulture));
        Param(text, "address", e.ClientAddress);
        Param(text, "tenant", e.Tenant);
        Param(text, "actor", e.Actor);
        Param(text, "role", e.Role);
        Param(text, "requestId", e.RequestId);
        Param(text, "userAgent", e.UserAgent);
        text.Append(']');
        return text.ToString();
    }

    private static string Token(string value)
    {
        var printable = new string([.. value.Where(c => c is > ' ' and < (char)127)]);
        return printable.Length == 0 ? "-" : printable[..Math.Min(255, printable.Length)];
    }

    private static void Param(StringBuilder text, string name, string? value)
    {
        if (value is null)
        {
            return;
        }

        text.Append(' ').Append(name).Append("=\"");
        foreach (var c in value)
        {
            if (c is '"' or '\\' or ']')
            {
                text.Append('\\');
            }

            text.Append(char.IsControl(c) ? '?' : c);
        }

        text.Append('"');
    }
}
