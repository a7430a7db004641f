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
          {
            foreignKeyName: "activities_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "chatbot_conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "activities_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "conversations"
            referencedColumns: ["id"]
          },
        ]
      }
      agents: {
        Row: {
          company_id: string
          created_at: string
          expertise: string
          greeting: string | null
          id: string
          is_active: boolean
          keywords: string[]
          model: string | null
          name: string
          slug: string
          style_notes: string | null
          system_prompt: string
          temperature: number
          updated_at: string
        }
        Insert: {
          company_id: string
          created_at?: string
          expertise?: string
          greeting?: string | null
          id?: string
          is_active?: boolean
          keywords?: string[]
          model?: string | null
          name: string
          slug: string
          style_notes?: string | null
          system_prompt: string
          temperature?: number
          updated_at?: string
        }
        Update: {
          company_id?: string
          created_at?: string
          expertise?: string
          greeting?: string | null
          id?: string
          is_active?: boolean
          keywords?: string[]
          model?: string | null
          name?: string
          slug?: string
          style_notes?: string | null
          system_prompt?: string
          temperature?: number
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "agents_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "agents_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      analytics_daily: {
        Row: {
          agent: string
          company_id: string
          conversations: number
          conversations_started: number
          day: string
          errors: number
          escalations: number
          messages: number
          orders: number
          replies: number
        }
        Insert: {
          agent?: string
          company_id: string
          conversations?: number
          conversations_started?: number
          day: string
          errors?: number
          escalations?: number
          messages?: number
          orders?: number
          replies?: number
        }
        Update: {
          agent?: string
          company_id?: string
          conversations?: number
          conversations_started?: number
          day?: string
          errors?: number
          escalations?: number
          messages?: number
          orders?: number
          replies?: number
        }
        Relationships: [
          {
            foreignKeyName: "analytics_daily_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "analytics_daily_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      analytics_refusals: {
        Row: {
          company_id: string
          count: number
          day: string
          limit_name: string
        }
        Insert: {
          company_id: string
          count?: number
          day: string
          limit_name: string
        }
        Update: {
          company_id?: string
          count?: number
          day?: string
          limit_name?: string
        }
        Relationships: [
          {
            foreignKeyName: "analytics_refusals_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "analytics_refusals_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      analytics_response_times: {
        Row: {
          agent: string
          bucket: number
          company_id: string
          count: number
          day: string
        }
        Insert: {
          agent?: string
          bucket: number
          company_id: string
          count?: number
          day: string
        }
        Update: {
          agent?: string
          bucket?: number
          company_id?: string
          count?: number
          day?: string
        }
        Relationships: [
          {
            foreignKeyName: "analytics_response_times_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "analytics_response_times_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      appointments: {
        Row: {
          client_id: string | null
          company_id: string
          created_at: string
          duration_minutes: number
          id: string
          location: string | null
          scheduled_date: string
          status: string
          subject: string
          updated_at: string
        }
        Insert: {
          client_id?: string | null
          company_id: string
          created_at?: string
          duration_minutes?: number
          id?: string
          location?: string | null
          scheduled_date: string
          status?: string
          subject: string
          updated_at?: string
        }
        Update: {
          client_id?: string | null
          company_id?: string
          created_at?: string
          duration_minutes?: number
          id?: string
          location?: string | null
          scheduled_date?: string
          status?: string
          subject?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "appointments_client_fkey"
            columns: ["company_id", "client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["company_id", "id"]
          },
          {
            foreignKeyName: "appointments_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "appointments_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      bot_sessions: {
        Row: {
          company_id: string
          created_at: string
          ended_at: string | null
          id: string
          mode: string
          started_at: string
        }
        Insert: {
          company_id: string
          created_at?: string
          ended_at?: string | null
          id?: string
          mode?: string
          started_at?: string
        }
        Update: {
          company_id?: string
          created_at?: string
          ended_at?: string | null
          id?: string
          mode?: string
          started_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "bot_sessions_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "bot_sessions_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      bot_usage: {
        Row: {
          company_id: string
          conversations_count: number
          cost: number
          date: string
          messages_count: number
          orders_count: number
          revenue: number
          tokens: number
          updated_at: string
        }
        Insert: {
          company_id: string
          conversations_count?: number
          cost?: number
          date: string
          messages_count?: number
          orders_count?: number
          revenue?: number
          tokens?: number
          updated_at?: string
        }
        Update: {
          company_id?: string
          conversations_count?: number
          cost?: number
          date?: string
          messages_count?: number
          orders_count?: number
          revenue?: number
          tokens?: number
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "bot_usage_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "bot_usage_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      botlive_cart_lines: {
        Row: {
          company_id: string
          conversation_id: string
          created_at: string
          line_no: number
          product_id: string
          quantity: number
          variant: NonNullable<Json>
        }
        Insert: {
          company_id: string
          conversation_id: string
          created_at?: string
          line_no: number
          product_id: string
          quantity: number
          variant?: NonNullable<Json>
        }
        Update: {
          company_id?: string
          conversation_id?: string
          created_at?: string
          line_no?: number
          product_id?: string
          quantity?: number
          variant?: NonNullable<Json>
        }
        Relationships: [
          {
            foreignKeyName: "botlive_cart_lines_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "botlive_cart_lines_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
          {
            foreignKeyName: "botlive_cart_lines_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "botlive_drafts"
            referencedColumns: ["conversation_id"]
          },
          {
            foreignKeyName: "botlive_cart_lines_product_id_fkey"
            columns: ["product_id"]
            isOneToOne: false
            referencedRelation: "products"
            referencedColumns: ["id"]
          },
        ]
      }
      botlive_drafts: {
        Row: {
          asked: string | null
          company_id: string
          conversation_id: string
          created_at: string
          customer_name: string | null
          delivery_zone_id: string | null
          pending_payment: Json | null
          phone: string | null
          product_id: string | null
          quantity: number
          updated_at: string
          variant: NonNullable<Json>
        }
        Insert: {
          asked?: string | null
          company_id: string
          conversation_id: string
          created_at?: string
          customer_name?: string | null
          delivery_zone_id?: string | null
          pending_payment?: Json | null
          phone?: string | null
          product_id?: string | null
          quantity?: number
          updated_at?: string
          variant?: NonNullable<Json>
        }
        Update: {
          asked?: string | null
          company_id?: string
          conversation_id?: string
          created_at?: string
          customer_name?: string | null
          delivery_zone_id?: string | null
          pending_payment?: Json | null
          phone?: string | null
          product_id?: string | null
          quantity?: number
          updated_at?: string
          variant?: NonNullable<Json>
        }
        Relationships: [
          {
            foreignKeyName: "botlive_drafts_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "botlive_drafts_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
          {
            foreignKeyName: "botlive_drafts_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: true
            referencedRelation: "chatbot_conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "botlive_drafts_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: true
            referencedRelation: "conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "botlive_drafts_delivery_zone_id_fkey"
            columns: ["delivery_zone_id"]
            isOneToOne: false
            referencedRelation: "delivery_zones"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "botlive_drafts_product_id_fkey"
            columns: ["product_id"]
            isOneToOne: false
            referencedRelation: "products"
            referencedColumns: ["id"]
          },
        ]
      }
      botlive_holds: {
        Row: {
          company_id: string
          conversation_id: string
          created_at: string
          expires_at: string
          product_id: string
          quantity: number
          reminded_at: string | null
        }
        Insert: {
          company_id: string
          conversation_id: string
          created_at?: string
          expires_at: string
          product_id: string
          quantity: number
          reminded_at?: string | null
        }
        Update: {
          company_id?: string
          conversation_id?: string
          created_at?: string
          expires_at?: string
          product_id?: string
          quantity?: number
          reminded_at?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "botlive_holds_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "botlive_holds_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
          {
            foreignKeyName: "botlive_holds_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "chatbot_conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "botlive_holds_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "botlive_holds_product_id_fkey"
            columns: ["product_id"]
            isOneToOne: false
            referencedRelation: "products"
            referencedColumns: ["id"]
          },
        ]
      }
      botlive_waitlist: {
        Row: {
          company_id: string
          conversation_id: string
          created_at: string
          id: number
          offered_at: string | null
          product_id: string
          quantity: number
          status: string
          variant: NonNullable<Json>
        }
        Insert: {
          company_id: string
          conversation_id: string
          created_at?: string
          id?: never
          offered_at?: string | null
          product_id: string
          quantity: number
          status?: string
          variant?: NonNullable<Json>
        }
        Update: {
          company_id?: string
          conversation_id?: string
          created_at?: string
          id?: never
          offered_at?: string | null
          product_id?: string
          quantity?: number
          status?: string
          variant?: NonNullable<Json>
        }
        Relationships: [
          {
            foreignKeyName: "botlive_waitlist_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "botlive_waitlist_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
          {
            foreignKeyName: "botlive_waitlist_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "chatbot_conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "botlive_waitlist_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "botlive_waitlist_product_id_fkey"
            columns: ["product_id"]
            isOneToOne: false
            referencedRelation: "products"
            referencedColumns: ["id"]
          },
        ]
      }
      budget_months: {
        Row: {
          cap_reached_at: string | null
          company_id: string
          month: string
          soft_reached_at: string | null
          spent_usd: number
          unpriced_calls: number
        }
        Insert: {
          cap_reached_at?: string | null
          company_id: string
          month: string
          soft_reached_at?: string | null
          spent_usd?: number
          unpriced_calls?: number
        }
        Update: {
          cap_reached_at?: string | null
          company_id?: string
          month?: string
          soft_reached_at?: string | null
          spent_usd?: number
          unpriced_calls?: number
        }
        Relationships: [
          {
            foreignKeyName: "budget_months_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "budget_months_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      channel_accounts: {
        Row: {
          app_id: string
          company_id: string
          created_at: string
          external_id: string
          id: string
          is_active: boolean
          name: string | null
          platform: string
          template_language: string
          template_name: string | null
          updated_at: string
        }
        Insert: {
          app_id: string
          company_id: string
          created_at?: string
          external_id: string
          id?: string
          is_active?: boolean
          name?: string | null
          platform: string
          template_language?: string
          template_name?: string | null
          updated_at?: string
        }
        Update: {
          app_id?: string
          company_id?: string
          created_at?: string
          external_id?: string
          id?: string
          is_active?: boolean
          name?: string | null
          platform?: string
          template_language?: string
          template_name?: string | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "channel_accounts_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "channel_accounts_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      channel_messages: {
        Row: {
          account_id: string
          attempts: number
          claimed_at: string | null
          company_id: string
          conversation_id: string | null
          external_id: string
          id: string
          kind: string
          last_error: string | null
          lease_until: string | null
          media: Json | null
          media_sha256: string | null
          platform: string
          processed_at: string | null
          received_at: string
          sender: string
          sender_name: string | null
          sent_at: string
          status: string
          text: string | null
        }
        Insert: {
          account_id: string
          attempts?: number
          claimed_at?: string | null
          company_id: string
          conversation_id?: string | null
          external_id: string
          id?: string
          kind: string
          last_error?: string | null
          lease_until?: string | null
          media?: Json | null
          media_sha256?: string | null
          platform: string
          processed_at?: string | null
          received_at?: string
          sender: string
          sender_name?: string | null
          sent_at: string
          status?: string
          text?: string | null
        }
        Update: {
          account_id?: string
          attempts?: number
          claimed_at?: string | null
          company_id?: string
          conversation_id?: string | null
          external_id?: string
          id?: string
          kind?: string
          last_error?: string | null
          lease_until?: string | null
          media?: Json | null
          media_sha256?: string | null
          platform?: string
          processed_at?: string | null
          received_at?: string
          sender?: string
          sender_name?: string | null
          sent_at?: string
          status?: string
          text?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "channel_messages_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "channel_accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "channel_messages_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "channel_messages_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
          {
            foreignKeyName: "channel_messages_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "chatbot_conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "channel_messages_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "conversations"
            referencedColumns: ["id"]
          },
        ]
      }
      channel_outbox: {
        Row: {
          account_id: string
          attempts: number
          author: string | null
          body: string
          comment_id: string | null
          company_id: string
          conversation_id: string | null
          created_at: string
          error: Json | null
          external_id: string | null
          id: string
          in_reply_to: string | null
          lease_until: string | null
          next_attempt_at: string
          platform: string
          recipient: string | null
          sent_at: string | null
          source: string
          status: string
          updated_at: string
          via_template: boolean
        }
        Insert: {
          account_id: string
          attempts?: number
          author?: string | null
          body: string
          comment_id?: string | null
          company_id: string
          conversation_id?: string | null
          created_at?: string
          error?: Json | null
          external_id?: string | null
          id?: string
          in_reply_to?: string | null
          lease_until?: string | null
          next_attempt_at?: string
          platform: string
          recipient?: string | null
          sent_at?: string | null
          source: string
          status?: string
          updated_at?: string
          via_template?: boolean
        }
        Update: {
          account_id?: string
          attempts?: number
          author?: string | null
          body?: string
          comment_id?: string | null
          company_id?: string
          conversation_id?: string | null
          created_at?: string
          error?: Json | null
          external_id?: string | null
          id?: string
          in_reply_to?: string | null
          lease_until?: string | null
          next_attempt_at?: string
          platform?: string
          recipient?: string | null
          sent_at?: string | null
          source?: string
          status?: string
          updated_at?: string
          via_template?: boolean
        }
        Relationships: [
          {
            foreignKeyName: "channel_outbox_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "channel_accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "channel_outbox_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "channel_outbox_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
          {
            foreignKeyName: "channel_outbox_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "chatbot_conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "channel_outbox_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "channel_outbox_in_reply_to_fkey"
            columns: ["in_reply_to"]
            isOneToOne: true
            referencedRelation: "channel_messages"
            referencedColumns: ["id"]
          },
        ]
      }
      channel_statuses: {
        Row: {
          account_id: string
          company_id: string
          errors: Json | null
          external_id: string
          received_at: string
          reported_at: string
          status: string
        }
        Insert: {
          account_id: string
          company_id: string
          errors?: Json | null
          external_id: string
          received_at?: string
          reported_at: string
          status: string
        }
        Update: {
          account_id?: string
          company_id?: string
          errors?: Json | null
          external_id?: string
          received_at?: string
          reported_at?: string
          status?: string
        }
        Relationships: [
          {
            foreignKeyName: "channel_statuses_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "channel_accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "channel_statuses_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "channel_statuses_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      chatbot_context_cache: {
        Row: {
          company_id: string
          context_data: NonNullable<Json>
          expires_at: string
          last_updated: string
          section: string
          version: number
        }
        Insert: {
          company_id: string
          context_data: NonNullable<Json>
          expires_at?: string
          last_updated?: string
          section: string
          version?: number
        }
        Update: {
          company_id?: string
          context_data?: NonNullable<Json>
          expires_at?: string
          last_updated?: string
          section?: string
          version?: number
        }
        Relationships: [
          {
            foreignKeyName: "chatbot_context_cache_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "chatbot_context_cache_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      clients: {
        Row: {
          address: string | null
          city: string | null
          company_id: string
          created_at: string
          email: string | null
          id: string
          name: string
          notes: string | null
          phone: string | null
          updated_at: string
        }
        Insert: {
          address?: string | null
          city?: string | null
          company_id: string
          created_at?: string
          email?: string | null
          id?: string
          name: string
          notes?: string | null
          phone?: string | null
          updated_at?: string
        }
        Update: {
          address?: string | null
          city?: string | null
          company_id?: string
          created_at?: string
          email?: string | null
          id?: string
          name?: string
          notes?: string | null
          phone?: string | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "clients_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "clients_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      companies: {
        Row: {
          botlive_hold_minutes: number
          country: string | null
          created_at: string
          id: string
          is_auto_entrepreneur: boolean
          modules_enabled: string[]
          name: string
          sector: string | null
          slug: string
          time_zone: string
          updated_at: string
          vat_exempt: boolean
        }
        Insert: {
          botlive_hold_minutes?: number
          country?: string | null
          created_at?: string
          id?: string
          is_auto_entrepreneur?: boolean
          modules_enabled?: string[]
          name: string
          sector?: string | null
          slug: string
          time_zone?: string
          updated_at?: string
          vat_exempt?: boolean
        }
        Update: {
          botlive_hold_minutes?: number
          country?: string | null
          created_at?: string
          id?: string
          is_auto_entrepreneur?: boolean
          modules_enabled?: string[]
          name?: string
          sector?: string | null
          slug?: string
          time_zone?: string
          updated_at?: string
          vat_exempt?: boolean
        }
        Relationships: []
      }
      company_budgets: {
        Row: {
          company_id: string
          currency: string
          fallback_model: string | null
          monthly_limit: number
          soft_ratio: number
          updated_at: string
          usd_rate: number
        }
        Insert: {
          company_id: string
          currency?: string
          fallback_model?: string | null
          monthly_limit: number
          soft_ratio?: number
          updated_at?: string
          usd_rate?: number
        }
        Update: {
          company_id?: string
          currency?: string
          fallback_model?: string | null
          monthly_limit?: number
          soft_ratio?: number
          updated_at?: string
          usd_rate?: number
        }
        Relationships: [
          {
            foreignKeyName: "company_budgets_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: true
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "company_budgets_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: true
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
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
          address_turns_per_minute: number | null
          ai_name: string | null
          chat_model: string | null
          company_id: string
          company_name: string | null
          company_tokens_per_day: number | null
          company_turns_per_minute: number | null
          created_at: string
          match_count: number | null
          match_threshold: number | null
          prompt_botlive_deepseek_v3: string | null
          prompt_botlive_groq_70b: string | null
          rate_limit_messages: number | null
          rate_limit_window_seconds: number | null
          rerank_model: string | null
          router_model: string | null
          updated_at: string
          user_id: string | null
          visitor_turns_per_minute: number | null
        }
        Insert: {
          address_turns_per_minute?: number | null
          ai_name?: string | null
          chat_model?: string | null
          company_id: string
          company_name?: string | null
          company_tokens_per_day?: number | null
          company_turns_per_minute?: number | null
          created_at?: string
          match_count?: number | null
          match_threshold?: number | null
          prompt_botlive_deepseek_v3?: string | null
          prompt_botlive_groq_70b?: string | null
          rate_limit_messages?: number | null
          rate_limit_window_seconds?: number | null
          rerank_model?: string | null
          router_model?: string | null
          updated_at?: string
          user_id?: string | null
          visitor_turns_per_minute?: number | null
        }
        Update: {
          address_turns_per_minute?: number | null
          ai_name?: string | null
          chat_model?: string | null
          company_id?: string
          company_name?: string | null
          company_tokens_per_day?: number | null
          company_turns_per_minute?: number | null
          created_at?: string
          match_count?: number | null
          match_threshold?: number | null
          prompt_botlive_deepseek_v3?: string | null
          prompt_botlive_groq_70b?: string | null
          rate_limit_messages?: number | null
          rate_limit_window_seconds?: number | null
          rerank_model?: string | null
          router_model?: string | null
          updated_at?: string
          user_id?: string | null
          visitor_turns_per_minute?: number | null
        }
        Relationships: [
          {
            foreignKeyName: "company_rag_configs_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: true
            referencedRelation: "chatbot_conversations"
            referencedColumns: ["company_id"]
          },
          {
            foreignKeyName: "company_rag_configs_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: true
            referencedRelation: "chatbot_messages"
            referencedColumns: ["company_id"]
          },
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
          {
            foreignKeyName: "company_rag_configs_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: true
            referencedRelation: "conversation_memory"
            referencedColumns: ["company_id"]
          },
        ]
      }
      conversations: {
        Row: {
          channel: string
          company_id: string
          created_at: string
          current_agent: string | null
          external_id: string | null
          id: string
          last_message_at: string | null
          metadata: NonNullable<Json>
          status: string
          title: string | null
          updated_at: string
          user_id: string | null
          visitor_id: string | null
        }
        Insert: {
          channel: string
          company_id: string
          created_at?: string
          current_agent?: string | null
          external_id?: string | null
          id?: string
          last_message_at?: string | null
          metadata?: NonNullable<Json>
          status?: string
          title?: string | null
          updated_at?: string
          user_id?: string | null
          visitor_id?: string | null
        }
        Update: {
          channel?: string
          company_id?: string
          created_at?: string
          current_agent?: string | null
          external_id?: string | null
          id?: string
          last_message_at?: string | null
          metadata?: NonNullable<Json>
          status?: string
          title?: string | null
          updated_at?: string
          user_id?: string | null
          visitor_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "conversations_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "conversations_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      delivery_zones: {
        Row: {
          aliases: string[]
          company_id: string
          created_at: string
          fee: number
          id: string
          is_active: boolean
          name: string
          updated_at: string
        }
        Insert: {
          aliases?: string[]
          company_id: string
          created_at?: string
          fee?: number
          id?: string
          is_active?: boolean
          name: string
          updated_at?: string
        }
        Update: {
          aliases?: string[]
          company_id?: string
          created_at?: string
          fee?: number
          id?: string
          is_active?: boolean
          name?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "delivery_zones_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "delivery_zones_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      documents: {
        Row: {
          agent_owner: string
          category: string | null
          chunk_index: number
          company_id: string
          content: string
          content_hash: string
          created_at: string
          embedding: string | null
          embedding_bits: unknown
          embedding_model: string | null
          fts: unknown
          id: number
          in_ann_index: boolean
          metadata: NonNullable<Json>
          priority: number
          source: string
          tags: string[]
          title: string | null
          updated_at: string
        }
        Insert: {
          agent_owner?: string
          category?: string | null
          chunk_index?: number
          company_id: string
          content: string
          content_hash?: string
          created_at?: string
          embedding?: string | null
          embedding_bits?: never
          embedding_model?: string | null
          fts?: never
          id?: never
          in_ann_index?: boolean
          metadata?: NonNullable<Json>
          priority?: number
          source: string
          tags?: string[]
          title?: string | null
          updated_at?: string
        }
        Update: {
          agent_owner?: string
          category?: string | null
          chunk_index?: number
          company_id?: string
          content?: string
          content_hash?: string
          created_at?: string
          embedding?: string | null
          embedding_bits?: never
          embedding_model?: string | null
          fts?: never
          id?: never
          in_ann_index?: boolean
          metadata?: NonNullable<Json>
          priority?: number
          source?: string
          tags?: string[]
          title?: string | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "documents_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "chatbot_conversations"
            referencedColumns: ["company_id"]
          },
          {
            foreignKeyName: "documents_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "chatbot_messages"
            referencedColumns: ["company_id"]
          },
          {
            foreignKeyName: "documents_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["slug"]
          },
          {
            foreignKeyName: "documents_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["company_id"]
          },
          {
            foreignKeyName: "documents_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "conversation_memory"
            referencedColumns: ["company_id"]
          },
        ]
      }
      embedding_jobs: {
        Row: {
          attempts: number
          chunk_index: number
          company_id: string
          content_hash: string
          created_at: string
          document_id: number
          id: number
          last_error: string | null
          locked_until: string | null
          next_attempt_at: string
          reservation: string | null
          source: string
          status: string
          updated_at: string
        }
        Insert: {
          attempts?: number
          chunk_index: number
          company_id: string
          content_hash: string
          created_at?: string
          document_id: number
          id?: never
          last_error?: string | null
          locked_until?: string | null
          next_attempt_at?: string
          reservation?: string | null
          source: string
          status?: string
          updated_at?: string
        }
        Update: {
          attempts?: number
          chunk_index?: number
          company_id?: string
          content_hash?: string
          created_at?: string
          document_id?: number
          id?: never
          last_error?: string | null
          locked_until?: string | null
          next_attempt_at?: string
          reservation?: string | null
          source?: string
          status?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "embedding_jobs_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "embedding_jobs_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
          {
            foreignKeyName: "embedding_jobs_document_id_fkey"
            columns: ["document_id"]
            isOneToOne: true
            referencedRelation: "documents"
            referencedColumns: ["id"]
          },
        ]
      }
      escalations: {
        Row: {
          company_id: string
          conversation_id: string
          created_at: string
          details: string | null
          id: string
          reason: string
          resolved_at: string | null
          resolved_by: string | null
          status: string
        }
        Insert: {
          company_id: string
          conversation_id: string
          created_at?: string
          details?: string | null
          id?: string
          reason: string
          resolved_at?: string | null
          resolved_by?: string | null
          status?: string
        }
        Update: {
          company_id?: string
          conversation_id?: string
          created_at?: string
          details?: string | null
          id?: string
          reason?: string
          resolved_at?: string | null
          resolved_by?: string | null
          status?: string
        }
        Relationships: [
          {
            foreignKeyName: "escalations_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "escalations_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
          {
            foreignKeyName: "escalations_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "chatbot_conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "escalations_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "conversations"
            referencedColumns: ["id"]
          },
        ]
      }
      followups: {
        Row: {
          client_id: string | null
          company_id: string
          created_at: string
          due_date: string | null
          id: string
          status: string
          subject: string
          type: string
          updated_at: string
        }
        Insert: {
          client_id?: string | null
          company_id: string
          created_at?: string
          due_date?: string | null
          id?: string
          status?: string
          subject: string
          type?: string
          updated_at?: string
        }
        Update: {
          client_id?: string | null
          company_id?: string
          created_at?: string
          due_date?: string | null
          id?: string
          status?: string
          subject?: string
          type?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "followups_client_fkey"
            columns: ["company_id", "client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["company_id", "id"]
          },
          {
            foreignKeyName: "followups_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "followups_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      inbox_threads: {
        Row: {
          client_id: string | null
          company_id: string
          created_at: string
          id: string
          last_message_at: string
          status: string
          subject: string
          unread: boolean
          updated_at: string
          urgent: boolean
        }
        Insert: {
          client_id?: string | null
          company_id: string
          created_at?: string
          id?: string
          last_message_at?: string
          status?: string
          subject: string
          unread?: boolean
          updated_at?: string
          urgent?: boolean
        }
        Update: {
          client_id?: string | null
          company_id?: string
          created_at?: string
          id?: string
          last_message_at?: string
          status?: string
          subject?: string
          unread?: boolean
          updated_at?: string
          urgent?: boolean
        }
        Relationships: [
          {
            foreignKeyName: "inbox_threads_client_fkey"
            columns: ["company_id", "client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["company_id", "id"]
          },
          {
            foreignKeyName: "inbox_threads_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "inbox_threads_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      invoices: {
        Row: {
          amount: number
          client_id: string | null
          company_id: string
          created_at: string
          due_date: string | null
          id: string
          issue_date: string
          number: string | null
          paid_at: string | null
          status: string
          title: string | null
          updated_at: string
        }
        Insert: {
          amount?: number
          client_id?: string | null
          company_id: string
          created_at?: string
          due_date?: string | null
          id?: string
          issue_date?: string
          number?: string | null
          paid_at?: string | null
          status?: string
          title?: string | null
          updated_at?: string
        }
        Update: {
          amount?: number
          client_id?: string | null
          company_id?: string
          created_at?: string
          due_date?: string | null
          id?: string
          issue_date?: string
          number?: string | null
          paid_at?: string | null
          status?: string
          title?: string | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "invoices_client_fkey"
            columns: ["company_id", "client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["company_id", "id"]
          },
          {
            foreignKeyName: "invoices_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "invoices_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      knowledge_files: {
        Row: {
          agent: string
          attempts: number
          chunks: number | null
          company_id: string
          created_at: string
          error: string | null
          id: string
          lease_until: string | null
          next_attempt_at: string
          object_name: string
          size: number | null
          source: string
          status: string
          updated_at: string
        }
        Insert: {
          agent: string
          attempts?: number
          chunks?: number | null
          company_id: string
          created_at?: string
          error?: string | null
          id?: string
          lease_until?: string | null
          next_attempt_at?: string
          object_name: string
          size?: number | null
          source: string
          status?: string
          updated_at?: string
        }
        Update: {
          agent?: string
          attempts?: number
          chunks?: number | null
          company_id?: string
          created_at?: string
          error?: string | null
          id?: string
          lease_until?: string | null
          next_attempt_at?: string
          object_name?: string
          size?: number | null
          source?: string
          status?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "knowledge_files_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "knowledge_files_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      messages: {
        Row: {
          agent: string | null
          company_id: string
          completion_tokens: number | null
          content: string
          context_snapshot: Json | null
          conversation_id: string
          created_at: string
          id: string
          idempotency_key: string | null
          latency_ms: number | null
          metadata: NonNullable<Json>
          model_used: string | null
          prompt_tokens: number | null
          role: string
          sources: NonNullable<Json>
          tokens_used: number | null
        }
        Insert: {
          agent?: string | null
          company_id: string
          completion_tokens?: number | null
          content: string
          context_snapshot?: Json | null
          conversation_id: string
          created_at?: string
          id?: string
          idempotency_key?: string | null
          latency_ms?: number | null
          metadata?: NonNullable<Json>
          model_used?: string | null
          prompt_tokens?: number | null
          role: string
          sources?: NonNullable<Json>
          tokens_used?: number | null
        }
        Update: {
          agent?: string | null
          company_id?: string
          completion_tokens?: number | null
          content?: string
          context_snapshot?: Json | null
          conversation_id?: string
          created_at?: string
          id?: string
          idempotency_key?: string | null
          latency_ms?: number | null
          metadata?: NonNullable<Json>
          model_used?: string | null
          prompt_tokens?: number | null
          role?: string
          sources?: NonNullable<Json>
          tokens_used?: number | null
        }
        Relationships: [
          {
            foreignKeyName: "messages_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "messages_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
          {
            foreignKeyName: "messages_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "chatbot_conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "messages_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "conversations"
            referencedColumns: ["id"]
          },
        ]
      }
      model_prices: {
        Row: {
          cached_per_million: number | null
          id: number
          input_per_million: number
          model: string
          output_per_million: number
          per_search_unit: number | null
          provider: string
          source: string | null
          valid_from: string
        }
        Insert: {
          cached_per_million?: number | null
          id?: never
          input_per_million?: number
          model: string
          output_per_million?: number
          per_search_unit?: number | null
          provider: string
          source?: string | null
          valid_from?: string
        }
        Update: {
          cached_per_million?: number | null
          id?: never
          input_per_million?: number
          model?: string
          output_per_million?: number
          per_search_unit?: number | null
          provider?: string
          source?: string | null
          valid_from?: string
        }
        Relationships: []
      }
      orders: {
        Row: {
          company_id: string
          conversation_id: string | null
          created_at: string
          customer_name: string | null
          customer_phone: string | null
          delivery_fee: number
          delivery_zone: string | null
          delivery_zone_id: string | null
          id: string
          items: NonNullable<Json>
          items_total: number
          notes: string | null
          number: number
          order_number: string | null
          payment_status: string
          payment_verified_at: string | null
          payment_verified_by: string | null
          session_id: string | null
          source: string
          status: string
          total_amount: number
          updated_at: string
        }
        Insert: {
          company_id: string
          conversation_id?: string | null
          created_at?: string
          customer_name?: string | null
          customer_phone?: string | null
          delivery_fee?: number
          delivery_zone?: string | null
          delivery_zone_id?: string | null
          id?: string
          items: NonNullable<Json>
          items_total: number
          notes?: string | null
          number: number
          order_number?: never
          payment_status?: string
          payment_verified_at?: string | null
          payment_verified_by?: string | null
          session_id?: string | null
          source?: string
          status?: string
          total_amount: number
          updated_at?: string
        }
        Update: {
          company_id?: string
          conversation_id?: string | null
          created_at?: string
          customer_name?: string | null
          customer_phone?: string | null
          delivery_fee?: number
          delivery_zone?: string | null
          delivery_zone_id?: string | null
          id?: string
          items?: NonNullable<Json>
          items_total?: number
          notes?: string | null
          number?: number
          order_number?: never
          payment_status?: string
          payment_verified_at?: string | null
          payment_verified_by?: string | null
          session_id?: string | null
          source?: string
          status?: string
          total_amount?: number
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "orders_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "orders_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
          {
            foreignKeyName: "orders_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "chatbot_conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "orders_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "orders_delivery_zone_id_fkey"
            columns: ["delivery_zone_id"]
            isOneToOne: false
            referencedRelation: "delivery_zones"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "orders_session_id_fkey"
            columns: ["session_id"]
            isOneToOne: false
            referencedRelation: "bot_sessions"
            referencedColumns: ["id"]
          },
        ]
      }
      payment_accounts: {
        Row: {
          company_id: string
          created_at: string
          id: string
          is_active: boolean
          provider: string
          updated_at: string
        }
        Insert: {
          company_id: string
          created_at?: string
          id?: string
          is_active?: boolean
          provider: string
          updated_at?: string
        }
        Update: {
          company_id?: string
          created_at?: string
          id?: string
          is_active?: boolean
          provider?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "payment_accounts_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "payment_accounts_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      payment_events: {
        Row: {
          amount: number | null
          company_id: string
          event_id: string
          id: number
          intent_id: string | null
          kind: string
          outcome: string
          provider: string
          received_at: string
        }
        Insert: {
          amount?: number | null
          company_id: string
          event_id: string
          id?: never
          intent_id?: string | null
          kind: string
          outcome: string
          provider: string
          received_at?: string
        }
        Update: {
          amount?: number | null
          company_id?: string
          event_id?: string
          id?: never
          intent_id?: string | null
          kind?: string
          outcome?: string
          provider?: string
          received_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "payment_events_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "payment_events_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
          {
            foreignKeyName: "payment_events_intent_id_fkey"
            columns: ["intent_id"]
            isOneToOne: false
            referencedRelation: "payment_intents"
            referencedColumns: ["id"]
          },
        ]
      }
      payment_intents: {
        Row: {
          account_id: string
          amount: number
          checkout_claimed_at: string | null
          checkout_url: string | null
          company_id: string
          confirmed_by: string | null
          conversation_id: string | null
          created_at: string
          expires_at: string
          id: string
          notif_token: string | null
          order_id: string | null
          paid_amount: number | null
          paid_at: string | null
          payer_phone: string | null
          provider: string
          provider_ref: string | null
          reconcile_issue: string | null
          reconciled_at: string | null
          refunded_at: string | null
          state: string
          transaction_id: string | null
          updated_at: string
        }
        Insert: {
          account_id: string
          amount: number
          checkout_claimed_at?: string | null
          checkout_url?: string | null
          company_id: string
          confirmed_by?: string | null
          conversation_id?: string | null
          created_at?: string
          expires_at: string
          id?: string
          notif_token?: string | null
          order_id?: string | null
          paid_amount?: number | null
          paid_at?: string | null
          payer_phone?: string | null
          provider: string
          provider_ref?: string | null
          reconcile_issue?: string | null
          reconciled_at?: string | null
          refunded_at?: string | null
          state?: string
          transaction_id?: string | null
          updated_at?: string
        }
        Update: {
          account_id?: string
          amount?: number
          checkout_claimed_at?: string | null
          checkout_url?: string | null
          company_id?: string
          confirmed_by?: string | null
          conversation_id?: string | null
          created_at?: string
          expires_at?: string
          id?: string
          notif_token?: string | null
          order_id?: string | null
          paid_amount?: number | null
          paid_at?: string | null
          payer_phone?: string | null
          provider?: string
          provider_ref?: string | null
          reconcile_issue?: string | null
          reconciled_at?: string | null
          refunded_at?: string | null
          state?: string
          transaction_id?: string | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "payment_intents_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "payment_accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "payment_intents_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "payment_intents_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
          {
            foreignKeyName: "payment_intents_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "chatbot_conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "payment_intents_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "payment_intents_order_id_fkey"
            columns: ["order_id"]
            isOneToOne: false
            referencedRelation: "orders"
            referencedColumns: ["id"]
          },
        ]
      }
      payments: {
        Row: {
          amount: number
          company_id: string
          conversation_id: string | null
          created_at: string
          detected_amount: number | null
          id: string
          intent_id: string | null
          method: string
          note: string | null
          order_id: string | null
          proof_path: string | null
          proof_reused: boolean
          proof_sha256: string | null
          reference: string | null
          refund_id: string | null
          required_amount: number | null
          source: string
          status: string
          updated_at: string
          verified_at: string | null
          verified_by: string | null
        }
        Insert: {
          amount: number
          company_id: string
          conversation_id?: string | null
          created_at?: string
          detected_amount?: number | null
          id?: string
          intent_id?: string | null
          method: string
          note?: string | null
          order_id?: string | null
          proof_path?: string | null
          proof_reused?: boolean
          proof_sha256?: string | null
          reference?: string | null
          refund_id?: string | null
          required_amount?: number | null
          source?: string
          status?: string
          updated_at?: string
          verified_at?: string | null
          verified_by?: string | null
        }
        Update: {
          amount?: number
          company_id?: string
          conversation_id?: string | null
          created_at?: string
          detected_amount?: number | null
          id?: string
          intent_id?: string | null
          method?: string
          note?: string | null
          order_id?: string | null
          proof_path?: string | null
          proof_reused?: boolean
          proof_sha256?: string | null
          reference?: string | null
          refund_id?: string | null
          required_amount?: number | null
          source?: string
          status?: string
          updated_at?: string
          verified_at?: string | null
          verified_by?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "payments_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "payments_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
          {
            foreignKeyName: "payments_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "chatbot_conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "payments_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "payments_intent_id_fkey"
            columns: ["intent_id"]
            isOneToOne: false
            referencedRelation: "payment_intents"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "payments_order_id_fkey"
            columns: ["order_id"]
            isOneToOne: false
            referencedRelation: "orders"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "payments_refund_id_fkey"
            columns: ["refund_id"]
            isOneToOne: false
            referencedRelation: "refunds"
            referencedColumns: ["id"]
          },
        ]
      }
      products: {
        Row: {
          aliases: string[]
          company_id: string
          created_at: string
          description: string | null
          id: string
          is_active: boolean
          name: string
          price: number
          stock: number | null
          updated_at: string
          variants: NonNullable<Json>
        }
        Insert: {
          aliases?: string[]
          company_id: string
          created_at?: string
          description?: string | null
          id?: string
          is_active?: boolean
          name: string
          price: number
          stock?: number | null
          updated_at?: string
          variants?: NonNullable<Json>
        }
        Update: {
          aliases?: string[]
          company_id?: string
          created_at?: string
          description?: string | null
          id?: string
          is_active?: boolean
          name?: string
          price?: number
          stock?: number | null
          updated_at?: string
          variants?: NonNullable<Json>
        }
        Relationships: [
          {
            foreignKeyName: "products_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "products_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      projects: {
        Row: {
          client_id: string | null
          company_id: string
          created_at: string
          end_date: string | null
          id: string
          name: string
          progress: number
          start_date: string | null
          status: string
          updated_at: string
        }
        Insert: {
          client_id?: string | null
          company_id: string
          created_at?: string
          end_date?: string | null
          id?: string
          name: string
          progress?: number
          start_date?: string | null
          status?: string
          updated_at?: string
        }
        Update: {
          client_id?: string | null
          company_id?: string
          created_at?: string
          end_date?: string | null
          id?: string
          name?: string
          progress?: number
          start_date?: string | null
          status?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "projects_client_fkey"
            columns: ["company_id", "client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["company_id", "id"]
          },
          {
            foreignKeyName: "projects_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "projects_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      quotes: {
        Row: {
          amount: number
          client_id: string | null
          company_id: string
          created_at: string
          id: string
          number: string | null
          status: string
          title: string | null
          updated_at: string
          valid_until: string | null
        }
        Insert: {
          amount?: number
          client_id?: string | null
          company_id: string
          created_at?: string
          id?: string
          number?: string | null
          status?: string
          title?: string | null
          updated_at?: string
          valid_until?: string | null
        }
        Update: {
          amount?: number
          client_id?: string | null
          company_id?: string
          created_at?: string
          id?: string
          number?: string | null
          status?: string
          title?: string | null
          updated_at?: string
          valid_until?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "quotes_client_fkey"
            columns: ["company_id", "client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["company_id", "id"]
          },
          {
            foreignKeyName: "quotes_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "quotes_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      refunds: {
        Row: {
          amount: number
          company_id: string
          conversation_id: string | null
          created_at: string
          customer_name: string | null
          id: string
          kind: string
          note: string | null
          order_id: string | null
          payment_references: string[]
          reason: string
          settled_at: string | null
          settled_by: string | null
          status: string
        }
        Insert: {
          amount: number
          company_id: string
          conversation_id?: string | null
          created_at?: string
          customer_name?: string | null
          id?: string
          kind: string
          note?: string | null
          order_id?: string | null
          payment_references?: string[]
          reason: string
          settled_at?: string | null
          settled_by?: string | null
          status?: string
        }
        Update: {
          amount?: number
          company_id?: string
          conversation_id?: string | null
          created_at?: string
          customer_name?: string | null
          id?: string
          kind?: string
          note?: string | null
          order_id?: string | null
          payment_references?: string[]
          reason?: string
          settled_at?: string | null
          settled_by?: string | null
          status?: string
        }
        Relationships: [
          {
            foreignKeyName: "refunds_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "refunds_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
          {
            foreignKeyName: "refunds_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "chatbot_conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "refunds_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "refunds_order_id_fkey"
            columns: ["order_id"]
            isOneToOne: false
            referencedRelation: "orders"
            referencedColumns: ["id"]
          },
        ]
      }
      tasks: {
        Row: {
          client_id: string | null
          company_id: string
          completed_at: string | null
          created_at: string
          description: string | null
          due_date: string | null
          id: string
          priority: string
          project_id: string | null
          status: string
          title: string
          updated_at: string
        }
        Insert: {
          client_id?: string | null
          company_id: string
          completed_at?: string | null
          created_at?: string
          description?: string | null
          due_date?: string | null
          id?: string
          priority?: string
          project_id?: string | null
          status?: string
          title: string
          updated_at?: string
        }
        Update: {
          client_id?: string | null
          company_id?: string
          completed_at?: string | null
          created_at?: string
          description?: string | null
          due_date?: string | null
          id?: string
          priority?: string
          project_id?: string | null
          status?: string
          title?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "tasks_client_fkey"
            columns: ["company_id", "client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["company_id", "id"]
          },
          {
            foreignKeyName: "tasks_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "tasks_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
          {
            foreignKeyName: "tasks_project_fkey"
            columns: ["company_id", "project_id"]
            isOneToOne: false
            referencedRelation: "projects"
            referencedColumns: ["company_id", "id"]
          },
        ]
      }
      usage_daily: {
        Row: {
          cached_tokens: number
          calls: number
          company_id: string
          completion_tokens: number
          cost_usd: number
          day: string
          errors: number
          model: string
          product: string
          prompt_tokens: number
          provider: string
          search_units: number
          unpriced_calls: number
        }
        Insert: {
          cached_tokens?: number
          calls?: number
          company_id: string
          completion_tokens?: number
          cost_usd?: number
          day: string
          errors?: number
          model: string
          product: string
          prompt_tokens?: number
          provider: string
          search_units?: number
          unpriced_calls?: number
        }
        Update: {
          cached_tokens?: number
          calls?: number
          company_id?: string
          completion_tokens?: number
          cost_usd?: number
          day?: string
          errors?: number
          model?: string
          product?: string
          prompt_tokens?: number
          provider?: string
          search_units?: number
          unpriced_calls?: number
        }
        Relationships: [
          {
            foreignKeyName: "usage_daily_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "usage_daily_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
        ]
      }
      usage_ledger: {
        Row: {
          agent: string | null
          cached_tokens: number
          company_id: string
          completion_tokens: number
          conversation_id: string | null
          cost_source: string
          cost_usd: number | null
          created_at: string
          id: number
          kind: string
          latency_ms: number | null
          model_answered: string | null
          model_requested: string | null
          outcome: string
          product: string
          prompt_tokens: number
          provider: string
          search_units: number
        }
        Insert: {
          agent?: string | null
          cached_tokens?: number
          company_id: string
          completion_tokens?: number
          conversation_id?: string | null
          cost_source: string
          cost_usd?: number | null
          created_at?: string
          id?: never
          kind: string
          latency_ms?: number | null
          model_answered?: string | null
          model_requested?: string | null
          outcome: string
          product: string
          prompt_tokens?: number
          provider: string
          search_units?: number
        }
        Update: {
          agent?: string | null
          cached_tokens?: number
          company_id?: string
          completion_tokens?: number
          conversation_id?: string | null
          cost_source?: string
          cost_usd?: number | null
          created_at?: string
          id?: never
          kind?: string
          latency_ms?: number | null
          model_answered?: string | null
          model_requested?: string | null
          outcome?: string
          product?: string
          prompt_tokens?: number
          provider?: string
          search_units?: number
        }
        Relationships: [
          {
            foreignKeyName: "usage_ledger_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "companies"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "usage_ledger_company_id_fkey"
            columns: ["company_id"]
            isOneToOne: false
            referencedRelation: "company_mapping"
            referencedColumns: ["uuid"]
          },
          {
            foreignKeyName: "usage_ledger_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "chatbot_conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "usage_ledger_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "conversations"
            referencedColumns: ["id"]
          },
        ]
      }
    }
    Views: {
      chatbot_conversations: {
        Row: {
          channel: string | null
          company_id: string | null
          created_at: string | null
          current_agent: string | null
          external_id: string | null
          id: string | null
          last_message_at: string | null
          status: string | null
          title: string | null
          updated_at: string | null
          user_id: string | null
        }
        Relationships: []
      }
      chatbot_messages: {
        Row: {
          agent: string | null
          company_id: string | null
          content: string | null
          conversation_id: string | null
          created_at: string | null
          id: string | null
          metadata: Json | null
          model_used: string | null
          role: string | null
          sources: Json | null
          tokens_used: number | null
        }
        Relationships: [
          {
            foreignKeyName: "messages_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "chatbot_conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "messages_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "conversations"
            referencedColumns: ["id"]
          },
        ]
      }
      company_mapping: {
        Row: {
          company_id: string | null
          role: string | null
          user_id: string | null
          uuid: string | null
        }
        Relationships: []
      }
      conversation_memory: {
        Row: {
          company_id: string | null
          content: string | null
          conversation_id: string | null
          id: string | null
          role: string | null
          timestamp: string | null
          user_id: string | null
        }
        Relationships: [
          {
            foreignKeyName: "messages_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "chatbot_conversations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "messages_conversation_id_fkey"
            columns: ["conversation_id"]
            isOneToOne: false
            referencedRelation: "conversations"
            referencedColumns: ["id"]
          },
        ]
      }
    }
    Functions: {
      analytics: {
        Args: { p_company: string; p_from: string; p_to: string }
        Returns: Json
      }
      append_message: {
        Args: {
          p_agent?: string
          p_company: string
          p_completion_tokens?: number
          p_content: string
          p_context_snapshot?: Json
          p_conversation: string
          p_idempotency_key?: string
          p_latency_ms?: number
          p_metadata?: Json
          p_model_used?: string
          p_prompt_tokens?: number
          p_role: string
          p_sources?: Json
          p_tokens_used?: number
        }
        Returns: string
      }
      assistant_begin_turn: {
        Args: {
          p_company: string
          p_conversation: string
          p_message: string
          p_user: string
        }
        Returns: Json
      }
      assistant_cached_context: {
        Args: { p_company: string; p_sections: string[] }
        Returns: Json
      }
      assistant_conversation_messages: {
        Args: { p_conversation: string; p_user: string }
        Returns: Json
      }
      assistant_finish_turn: {
        Args: { p_conversation: string; p_fields: Json; p_reply: string }
        Returns: string
      }
      assistant_list_conversations: {
        Args: {
          p_company: string
          p_limit: number
          p_offset: number
          p_user: string
        }
        Returns: Json
      }
      assistant_store_context: {
        Args: { p_company: string; p_context: Json; p_versions: Json }
        Returns: number
      }
      assistant_update_conversation: {
        Args: {
          p_conversation: string
          p_status: string
          p_title: string
          p_user: string
        }
        Returns: Json
      }
      billing_period_totals: {
        Args: { p_company: string; p_now?: string; p_period: string }
        Returns: Json
      }
      botlive_attach_proof: {
        Args: {
          p_company: string
          p_conversation: string
          p_path: string
          p_reference: string
          p_sha256: string
        }
        Returns: Json
      }
      botlive_begin_turn: {
        Args: {
          p_attachments?: Json
          p_company: string
          p_conversation: string
          p_customer: Json
          p_message_id: string
          p_text: string
        }
        Returns: Json
      }
      botlive_cancel_draft: {
        Args: { p_company: string; p_conversation: string }
        Returns: boolean
      }
      botlive_cart_board: { Args: { p_company: string }; Returns: Json }
      botlive_dashboard: {
        Args: {
          p_activity_limit?: number
          p_company: string
          p_orders_limit?: number
        }
        Returns: Json
      }
      botlive_expire_holds: { Args: Record<PropertyKey, never>; Returns: Json }
      botlive_finish_turn: {
        Args: {
          p_company: string
          p_conversation: string
          p_fields?: Json
          p_message_id: string
          p_reply: string
        }
        Returns: string
      }
      botlive_hold_cart: {
        Args: { p_company: string; p_conversation: string }
        Returns: Json
      }
      botlive_import_catalog: {
        Args: {
          p_company: string
          p_dry_run?: boolean
          p_file?: string
          p_products: Json
          p_zones: Json
        }
        Returns: Json
      }
      botlive_join_waitlist: {
        Args: {
          p_company: string
          p_conversation: string
          p_product: string
          p_quantity?: number
          p_variant?: Json
        }
        Returns: Json
      }
      botlive_place_order: {
        Args: { p_company: string; p_conversation: string; p_session?: string }
        Returns: Json
      }
      botlive_push_line: {
        Args: { p_company: string; p_conversation: string }
        Returns: Json
      }
      botlive_record_payment: {
        Args: {
          p_amount: number
          p_company: string
          p_conversation: string
          p_method: string
          p_reference: string
          p_source?: string
        }
        Returns: Json
      }
      botlive_save_draft: {
        Args: { p_company: string; p_conversation: string; p_draft: Json }
        Returns: {
          asked: string | null
          company_id: string
          conversation_id: string
          created_at: string
          customer_name: string | null
          delivery_zone_id: string | null
          pending_payment: Json | null
          phone: string | null
          product_id: string | null
          quantity: number
          updated_at: string
          variant: NonNullable<Json>
        }
        SetofOptions: {
          from: "*"
          to: "botlive_drafts"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      budget_reserve: {
        Args: { p_calls: Json; p_company: string }
        Returns: Json
      }
      build_company_context: {
        Args: { p_company: string; p_now?: string; p_sections?: string[] }
        Returns: Json
      }
      channel_app_secrets: {
        Args: { p_app_id: string }
        Returns: {
          app_secret: string
        }[]
      }
      channel_claim: {
        Args: {
          p_lease_seconds?: number
          p_limit?: number
          p_max_attempts?: number
          p_turns_per_minute?: number
        }
        Returns: {
          access_token: string
          account_external_id: string
          account_id: string
          attempts: number
          company_id: string
          external_id: string
          id: string
          kind: string
          media: Json
          platform: string
          sender: string
          sender_name: string
          sent_at: string
          text: string
        }[]
      }
      channel_claim_outbox: {
        Args: { p_lease_seconds?: number; p_limit?: number }
        Returns: {
          access_token: string
          account_external_id: string
          account_id: string
          attempts: number
          body: string
          comment_id: string
          company_id: string
          id: string
          platform: string
          recipient: string
          template_language: string
          template_name: string
          window_open: boolean
        }[]
      }
      channel_done: {
        Args: {
          p_attempt: number
          p_conversation_key?: string
          p_media_sha256?: string
          p_message: string
          p_reply: string
        }
        Returns: string
      }
      channel_failed: {
        Args: {
          p_attempt: number
          p_error: string
          p_message: string
          p_retry_seconds?: number
        }
        Returns: undefined
      }
      channel_media_seen: {
        Args: { p_message: string; p_sha256: string }
        Returns: boolean
      }
      channel_receive: {
        Args: { p_app_id: string; p_app_secret: string; p_items: Json }
        Returns: Json
      }
      channel_reply: {
        Args: { p_company: string; p_conversation: string; p_text: string }
        Returns: string
      }
      channel_send_failed: {
        Args: { p_error: Json; p_outbox: string; p_retry_seconds?: number }
        Returns: undefined
      }
      channel_sent: {
        Args: {
          p_external_id: string
          p_outbox: string
          p_via_template?: boolean
        }
        Returns: undefined
      }
      channel_verify_tokens: {
        Args: { p_app_id: string }
        Returns: {
          verify_token: string
        }[]
      }
      chat_allowance: {
        Args: {
          p_address?: string
          p_company: string
          p_conversation: string
          p_defaults?: Json
          p_now?: string
          p_visitor: string
        }
        Returns: Json
      }
      chat_begin_turn: {
        Args: {
          p_address?: string
          p_client_key: boolean
          p_company: string
          p_conversation: string
          p_defaults?: Json
          p_history?: number
          p_idempotency_key: string
          p_message: string
          p_metadata?: Json
          p_now?: string
          p_stale_seconds?: number
          p_visitor: string
        }
        Returns: Json
      }
      chat_finish_turn: {
        Args: {
          p_company: string
          p_conversation: string
          p_escalation?: Json
          p_idempotency_key: string
          p_now?: string
          p_reply: Json
          p_state?: Json
        }
        Returns: string
      }
      check_rate_limit: {
        Args: {
          p_key: string
          p_max_requests?: number
          p_now?: string
          p_window_seconds?: number
        }
        Returns: {
          allowed: boolean
          limit: number
          remaining: number
          reset_at: string
          retry_after_seconds: number
        }[]
      }
      client_card: {
        Args: { p_client: string; p_company: string }
        Returns: Json
      }
      conversation_is_paused: {
        Args: { p_conversation: string }
        Returns: boolean
      }
      create_company: {
        Args: {
          p_ai_name?: string
          p_name: string
          p_sector?: string
          p_slug: string
        }
        Returns: string
      }
      create_order: {
        Args: { p_company: string; p_order: Json }
        Returns: {
          company_id: string
          conversation_id: string | null
          created_at: string
          customer_name: string | null
          customer_phone: string | null
          delivery_fee: number
          delivery_zone: string | null
          delivery_zone_id: string | null
          id: string
          items: NonNullable<Json>
          items_total: number
          notes: string | null
          number: number
          order_number: string | null
          payment_status: string
          payment_verified_at: string | null
          payment_verified_by: string | null
          session_id: string | null
          source: string
          status: string
          total_amount: number
          updated_at: string
        }
        SetofOptions: {
          from: "*"
          to: "orders"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      delete_document_source: {
        Args: { p_company: string; p_source: string }
        Returns: number
      }
      ensure_conversation: {
        Args: {
          p_channel: string
          p_company: string
          p_external_id: string
          p_user_id?: string
          p_visitor_id?: string
        }
        Returns: string
      }
      find_company_entities: {
        Args: {
          p_company: string
          p_kind?: string
          p_limit?: number
          p_name: string
        }
        Returns: {
          id: string
          name: string
          score: number
        }[]
      }
      knowledge_files_claim: {
        Args: { p_company?: string; p_lease_seconds?: number; p_limit?: number }
        Returns: {
          agent: string
          attempts: number
          company_id: string
          company_slug: string
          id: string
          object_name: string
          source: string
          status: string
        }[]
      }
      knowledge_files_finish: {
        Args: {
          p_attempt: number
          p_chunks: number
          p_error: string
          p_file: string
          p_max_attempts?: number
          p_retry_seconds?: number
        }
        Returns: string
      }
      ledger_record: {
        Args: {
          p_calls: Json
          p_company: string
          p_conversation: string
          p_product: string
          p_reservation?: string
        }
        Returns: number
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
      match_documents:
        | {
            Args: {
              p_agent?: string
              p_company: string
              p_filter?: Json
              p_match_count?: number
              p_match_threshold?: number
              p_query_embedding: string
              p_query_text?: string
            }
            Returns: {
              agent_owner: string
              category: string
              content: string
              id: number
              metadata: Json
              score: number
              similarity: number
              source: string
              tags: string[]
              text_rank: number
              title: string
            }[]
          }
        | {
            Args: {
              filter?: Json
              match_count?: number
              query_embedding: string
            }
            Returns: {
              content: string
              id: number
              metadata: Json
              similarity: number
            }[]
          }
      match_documents_audrey: {
        Args: {
          p_company: string
          p_filter?: Json
          p_match_count?: number
          p_match_threshold?: number
          p_query_embedding: string
          p_query_text?: string
        }
        Returns: {
          agent_owner: string
          category: string
          content: string
          id: number
          metadata: Json
          score: number
          similarity: number
          source: string
          tags: string[]
          text_rank: number
          title: string
        }[]
      }
      match_documents_carole: {
        Args: {
          p_company: string
          p_filter?: Json
          p_match_count?: number
          p_match_threshold?: number
          p_query_embedding: string
          p_query_text?: string
        }
        Returns: {
          agent_owner: string
          category: string
          content: string
          id: number
          metadata: Json
          score: number
          similarity: number
          source: string
          tags: string[]
          text_rank: number
          title: string
        }[]
      }
      open_escalation: {
        Args: {
          p_company: string
          p_conversation: string
          p_details?: string
          p_reason: string
        }
        Returns: string
      }
      payment_account: { Args: { p_account: string }; Returns: Json }
      payment_apply: {
        Args: {
          p_account: string
          p_amount?: number
          p_client_reference?: string
          p_confirmed_by?: string
          p_event_id: string
          p_kind: string
          p_payer?: string
          p_provider_ref?: string
          p_state: string
          p_transaction_id?: string
        }
        Returns: Json
      }
      payment_claim_checkout: {
        Args: { p_intent: string; p_release?: boolean }
        Returns: boolean
      }
      payment_expire_intents: {
        Args: Record<PropertyKey, never>
        Returns: number
      }
      payment_match_received: {
        Args: {
          p_account: string
          p_amount: number
          p_event_id: string
          p_payer: string
          p_transaction_id: string
        }
        Returns: Json
      }
      payment_open_intent: {
        Args: { p_company: string; p_conversation: string; p_provider?: string }
        Returns: Json
      }
      payment_reconcile_due: {
        Args: { p_limit?: number }
        Returns: {
          account_id: string
          amount: number
          checkout_claimed_at: string | null
          checkout_url: string | null
          company_id: string
          confirmed_by: string | null
          conversation_id: string | null
          created_at: string
          expires_at: string
          id: string
          notif_token: string | null
          order_id: string | null
          paid_amount: number | null
          paid_at: string | null
          payer_phone: string | null
          provider: string
          provider_ref: string | null
          reconcile_issue: string | null
          reconciled_at: string | null
          refunded_at: string | null
          state: string
          transaction_id: string | null
          updated_at: string
        }[]
        SetofOptions: {
          from: "*"
          to: "payment_intents"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      payment_reconciled: {
        Args: { p_intent: string; p_issue?: string }
        Returns: undefined
      }
      payment_set_checkout: {
        Args: {
          p_expires_at?: string
          p_intent: string
          p_notif_token?: string
          p_provider_ref: string
          p_url: string
        }
        Returns: {
          account_id: string
          amount: number
          checkout_claimed_at: string | null
          checkout_url: string | null
          company_id: string
          confirmed_by: string | null
          conversation_id: string | null
          created_at: string
          expires_at: string
          id: string
          notif_token: string | null
          order_id: string | null
          paid_amount: number | null
          paid_at: string | null
          payer_phone: string | null
          provider: string
          provider_ref: string | null
          reconcile_issue: string | null
          reconciled_at: string | null
          refunded_at: string | null
          state: string
          transaction_id: string | null
          updated_at: string
        }
        SetofOptions: {
          from: "*"
          to: "payment_intents"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      peek_rate_limit: {
        Args: {
          p_key: string
          p_max_requests?: number
          p_now?: string
          p_window_seconds?: number
        }
        Returns: {
          allowed: boolean
          limit: number
          remaining: number
          reset_at: string
          retry_after_seconds: number
        }[]
      }
      resolve_escalation: { Args: { p_escalation: string }; Returns: boolean }
      set_channel_account: {
        Args: {
          p_access_token?: string
          p_active?: boolean
          p_app_id: string
          p_app_secret?: string
          p_company: string
          p_external_id: string
          p_name?: string
          p_platform: string
          p_template_language?: string
          p_template_name?: string
          p_verify_token?: string
        }
        Returns: string
      }
      set_payment_account: {
        Args: {
          p_active?: boolean
          p_company: string
          p_credentials: Json
          p_provider: string
        }
        Returns: string
      }
      tag_documents_by_agent_keywords: {
        Args: { p_company: string; p_sources?: string[] }
        Returns: {
          agent: string
          tagged: number
        }[]
      }
      tag_documents_by_keywords: {
        Args: { agent: string; p_company?: string; patterns: string[] }
        Returns: number
      }
      toggle_live_mode: {
        Args: { p_company: string; p_enable: boolean }
        Returns: {
          ended_at: string
          session_id: string
          started_at: string
          status: string
        }[]
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

