namespace MRVS.Models.Config;

public enum ModelFamily
{
    /// <summary>SOC (NeurIPS 2023): VOC, eval output from decoder layer 0.</summary>
    Soc,
    /// <summary>SOC++: proxy-assisted fusion, scored NewVOC, BMRW query fusion, eval output from the last
    /// layer.</summary>
    SocPlusPlus,
}
