namespace MRVS.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("mrvs: no command yet");
        return 2;
    }
}
