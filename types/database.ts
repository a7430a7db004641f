export type Json =
  | string
  | number
  | boolean
  | null
  | { [key: string]: Json | undefined }
  | Json[]

export type Database = {
  public: {
    Tables: {
      activities: {
        Row: {
          company_id: string
          conversation_id: string | null
          created_at: string
          description: string | null
          id: string
          metadata: NonNullable<Json>
          status: string
          title: string
          type: string
        }
        Insert: {
          company_id: string
          conversation_id?: string | null
          created_at?: string
          description?: string | null
          id?: string
          metadata?: NonNullable<Json>
          status?: string
          title: string
          type: string
        }
        Update: {
          company_id?: string
          conversation_id?: string | null
          created_at?: string
          description?: string | null
          id?: string
          metadata?: NonNullable<Json>
          status?: string
          title?: string
          type?: string
        }
        Relationships: [
          {
            foreignKeyName: "activities_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "activities_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      companies: {
        Row: {
          created_at: string
          id: string
          is_auto_entrepreneur: boolean
          modules_enabled: string[]
          name: string
          sector: string | null
          slug: string
          updated_at: string
          vat_exempt: boolean
        }
        Insert: {
          created_at?: string
          id?: string
          is_auto_entrepreneur?: boolean
          modules_enabled?: string[]
          name: string
          sector?: string | null
          slug: string
          updated_at?: string
          vat_exempt?: boolean
        }
        Update: {
          created_at?: string
          id?: string
          is_auto_entrepreneur?: boolean
          modules_enabled?: string[]
          name?: string
          sector?: string | null
          slug?: string
          updated_at?: string
          vat_exempt?: boolean
        }
        Relationships: []
      }
      company_members: {
        Row: {
          company_id: string
          created_at: string
          role: string
          user_id: string
        }
        Insert: {
          company_id: string
          created_at?: string
          role?: string
          user_id: string
        }
        Update: {
          company_id?: string
          created_at?: string
          role?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "company_members_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "company_members_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      company_rag_configs: {
        Row: {
          ai_name: string | null
          chat_model: string | null
          company_id: string
          company_name: string | null
          created_at: string
          embedding_model: string
          match_count: number
          match_threshold: number
          prompt_botlive_deepseek_v3: string | null
          prompt_botlive_groq_70b: string | null
          rate_limit_messages: number
          rate_limit_window_seconds: number
          rerank_model: string
          router_model: string | null
          updated_at: string
          user_id: string | null
        }
        Insert: {
          ai_name?: string | null
          chat_model?: string | null
          company_id: string
          company_name?: string | null
          created_at?: string
          embedding_model?: string
          match_count?: number
          match_threshold?: number
          prompt_botlive_deepseek_v3?: string | null
          prompt_botlive_groq_70b?: string | null
          rate_limit_messages?: number
          rate_limit_window_seconds?: number
          rerank_model?: string
          router_model?: string | null
          updated_at?: string
          user_id?: string | null
        }
        Update: {
          ai_name?: string | null
          chat_model?: string | null
          company_id?: string
          company_name?: string | null
          created_at?: string
          embedding_model?: string
          match_count?: number
          match_threshold?: number
          prompt_botlive_deepseek_v3?: string | null
          prompt_botlive_groq_70b?: string | null
          rate_limit_messages?: number
          rate_limit_window_seconds?: number
          rerank_model?: string
          router_model?: string | null
          updated_at?: string
          user_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "company_rag_configs_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: true
            referencedRelation: "companies"
            referencedColumns: ["slug"]
          },
          {
            foreignKeyName: "company_rag_configs_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: true
            referencedRelation: "company_mapping"
            referencedColumns: ["company_id"]
          },
        ]
      }
    }
    Views: {
      company_mapping: {
        Row: {
          company_id: string | null
          role: string | null
          user_id: string | null
          uuid: string | null
        }
        Relationships: []
      }
    }
    Functions: {
      create_company: {
        Args: {
          p_ai_name?: string
          p_name: string
          p_sector?: string
          p_slug: string
        }
        Returns: string
      }
      log_activity: {
        Args: {
          p_company: string
          p_conversation_id?: string
          p_description?: string
          p_metadata?: Json
          p_status?: string
          p_title: string
          p_type: string
        }
        Returns: string
      }
    }
    Enums: {
      [_ in never]: never
    }
    CompositeTypes: {
      [_ in never]: never
    }
  }
}

type DatabaseWithoutInternals = Omit<Database, "__InternalSupabase">

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] &
        DefaultSchema["Views"])
    ? (DefaultSchema["Tables"] &
        DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
        Row: infer R
      }
      ? R
      : never
    : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Insert: infer I
      }
      ? I
      : never
    : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Update: infer U
      }
      ? U
      : never
    : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends (DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never) = never,
> = DefaultSchemaEnumNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
    ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
    : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends (PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never) = never,
> = PublicCompositeTypeNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
    ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
    : never

export const Constants = {
  public: {
    Enums: {},
  },
} as const

